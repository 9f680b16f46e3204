"""The synthetic county for the board report benchmark: 50,000 cases, ~1.39M events.

Not a test: ``python -m bench.board_data [--cases N]`` builds a fresh SQLite database and prints
what it made; ``bench/board.py`` uses ``build_dataset`` on each backend.

The data goes through the real domain, as a coordinator's commands would: the aggregates of
``domain`` (``DardrReview``, ``AsbCaseReview``, ``EncampmentCase``, the reference
counters, the set-up) are created and their command methods called with effective dates, every
deadline computed by the domain from the national policy and the England and Wales calendar, and
every refusal a domain rule would make is made (a story that broke one would stop the run). What
is skipped is the application service around the commands (loading each case from the store,
checking agencies, one transaction per command): the cases stay in memory while they are open
and are saved in large batches, which is what makes a million events take minutes, not hours.

- **The county**: one board (``bench-county``) over 40 partnerships (each with a chair, a
  coordinator and three hubs), 30 agencies (county-wide services, six councils, eight housing
  providers, each working with its part of the county), national policies.
- **The cases**: 50,000 opened between 1 Apr 2024 and 31 Oct 2026, spread unevenly over the
  partnerships: 10% DARDR reviews (scoping, decision, the Home Office, chair and panel, IMRs with
  extensions and challenges, pauses for criminal trials, drafts, sign-off, QA with amendments or
  resubmission, deferred publication, actions with RAG updates, closure), 50% ASB Case Reviews
  (complaints that do or do not meet the threshold, discretion, appeals against the threshold
  and the outcome, meetings, recommendations, actions) and 40% encampments (ownership, visits,
  welfare and impact, tolerated or not allowed, directions under s.77 and police powers,
  summonses, possession claims, hearings, orders, enforcement, costs; a group or site back within
  a no-return window is flagged from the windows the domain stored on earlier cases). Some
  returns and actions are late and some never come, so deadlines are overdue at the end.
- **Time**: every fact is effective on its date and *recorded* at a plausible time after it
  (mostly the same working day, sometimes days or weeks later: late entries), and the facts of
  all cases are applied and saved in recorded order, as they would have been in production, so
  that the notification log, the recorded times and "as known at" behave as they do for real.
  Nothing is recorded after ``RECORDED_UNTIL`` (the morning of 2 Nov 2026): cases whose story
  runs on past it are left where they are, at every stage.
- **Deterministic**: one ``random.Random(seed)``, and the facts are applied in a fixed order.
"""

from __future__ import annotations

import argparse
import heapq
import random
import sys
import tempfile
import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any, TypeVar

from domain import times
from domain.asb import AsbCaseReview
from domain.asb import national_policy as asb_policy
from domain.calendar import LONDON, add_working_days, earliest_after_clear_days
from domain.case import Case, CommandContext
from domain.dardr import DardrReview
from domain.dardr import national_policy as dardr_policy
from domain.encampment import ClaimService, EncampmentCase, S61Ground, location_key
from domain.encampment import national_policy as encampment_policy
from domain.setup import Agency, County, Partnership, ReferenceCounter, reference_prefix
from interfaces.bootstrap import Services

T = TypeVar("T")
FIRST_DAY = date(2024, 4, 1)
LAST_DAY = date(2026, 10, 31)
RECORDED_UNTIL = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
"""Nothing is recorded after this instant; the services' clock stands just after it."""
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SETUP_ON = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
COUNTY = "bench-county"
MIX = (("dardr", 0.10), ("asb", 0.50), ("encampment", 0.40))
SAVE_EVERY = 2_500
"""Commands applied between two saves (about 5,600 events per transaction)."""

PARTNERSHIP_NAMES = (
    "Ashmoor", "Brackenvale", "Caldermere", "Dunholt", "Eskerby", "Fellbridge", "Gillmoor",
    "Hartwell", "Ivybeck", "Juniper Vale", "Kestrel Fen", "Larchmere", "Marrowdale",
    "Nethercombe", "Oakhurst", "Pikefell", "Quarrybank", "Rookdale", "Saltmere", "Thornbeck",
    "Ullerby", "Vennmoor", "Wychbridge", "Yarrowdale", "Alderholt", "Birchcombe", "Cinderslade",
    "Dovecote", "Elmstead", "Foxhollow", "Glenmere", "Hazelbrook", "Ironvale", "Kingsmoor",
    "Lowfen", "Millbeck", "Northcombe", "Otterdale", "Pendlemere", "Ravensholt",
)
HUBS = ("north", "central", "south")
SITES, POPULAR_SITES, GROUPS = 600, 30, 300
"""Encampment sites and travelling groups per partnership: about one report in ten comes back to
land or a group within a no-return window."""
PERSON = {"name": "Bench Contact", "email": "contact@bench.example.org"}
COUNTY_WIDE = (("bench-police", "Bench Constabulary", "police"),
               ("bench-probation", "Bench Probation Service", "probation"),
               ("bench-fire", "Bench Fire and Rescue", "fire"),
               ("bench-ambulance", "Bench Ambulance Service", "health"),
               ("bench-icb", "Bench Integrated Care Board", "health"),
               ("bench-mental-health", "Bench Mental Health Trust", "health"),
               ("bench-hospitals-north", "Bench Hospitals North", "health"),
               ("bench-hospitals-south", "Bench Hospitals South", "health"),
               ("bench-community-health", "Bench Community Health", "health"),
               ("bench-youth-justice", "Bench Youth Justice Service", "local-authority"),
               ("bench-da-service", "Bench Domestic Abuse Service", "voluntary"),
               ("bench-drug-alcohol", "Bench Drug and Alcohol Service", "voluntary"),
               ("bench-dwp", "Jobcentre Plus (Bench)", "other"),
               ("bench-victim-support", "Bench Victim Support", "voluntary"),
               ("bench-schools", "Bench Schools Partnership", "education"),
               ("bench-gp-federation", "Bench GP Federation", "health"))
COUNCILS = 6
HOUSING = 8
POLICE = "bench-police"
RELATIONSHIPS = (("intimate-partner", 45), ("former-partner", 20), ("family", 25), ("household", 10))
DEATH_TYPES = (("homicide", 55), ("suspected-suicide", 40), ("other", 5))
AGE_BANDS = ("16-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
CHANNELS = (("online", 45), ("phone", 25), ("email", 15), ("paper", 5), ("on-behalf", 10))
APPLICANTS = (("individual", 80), ("business", 5), ("community-group", 5),
              ("third-party-with-consent", 10))
LANDS = (("council", 45), ("private", 25), ("highway", 20), ("other-public", 10))
POWERS = (("s77", 55), ("s61", 18), ("s62a", 5), ("s60c", 2), ("cpr55", 15), ("injunction", 5))


def pick(rng: random.Random, weighted: Iterable[tuple[T, float]]) -> T:
    items = list(weighted)
    return rng.choices([k for k, _ in items], [w for _, w in items])[0]


@dataclass
class Place:
    """A partnership of the synthetic county and what its stories draw on."""

    slug: str
    code: str
    agencies: list[str]
    sites: list[tuple[str, str]]  # (grid reference, description)
    groups: list[str]
    windows: list[dict[str, str]] = field(default_factory=list)  # no-return windows stored so far


# --------------------------------------------------------------------------- set-up


def seed(services: Services, rng: random.Random) -> list[Place]:
    """The county board, 40 partnerships with hubs, chair and coordinator, 30 agencies."""
    ctx = CommandContext(effective=SETUP_ON.date().isoformat(), actor="bench-setup", now=SETUP_ON,
                         calendar=services.calendar)
    slugs = [name.lower().replace(" ", "-") for name in PARTNERSHIP_NAMES]
    codes = [name.replace(" ", "")[:3].upper() for name in PARTNERSHIP_NAMES]
    assert len(set(codes)) == len(codes), codes
    aggregates: list[Any] = []
    for slug, code, name in zip(slugs, codes, PARTNERSHIP_NAMES, strict=True):
        p = Partnership.register(ctx, slug, code, f"{name} Community Safety Partnership")
        p.change_chair(ctx, PERSON)
        p.change_coordinator(ctx, PERSON)
        for hub in HUBS:
            p.add_hub(ctx, hub, f"{name} {hub.title()} Hub")
        aggregates.append(p)
    served: dict[str, list[str]] = {slug: [a for a, _, _ in COUNTY_WIDE] for slug in slugs}
    agencies = [(slug, name, kind, slugs) for slug, name, kind in COUNTY_WIDE]
    for n in range(COUNCILS):  # each council covers a run of partnerships
        covered = slugs[n * len(slugs) // COUNCILS:(n + 1) * len(slugs) // COUNCILS]
        agencies.append((f"bench-council-{n + 1}", f"Bench Council {n + 1}", "local-authority", covered))
    for n in range(HOUSING):  # housing providers overlap
        covered = [s for i, s in enumerate(slugs) if (i + n) % HOUSING in (0, 1, 2)]
        agencies.append((f"bench-housing-{n + 1}", f"Bench Housing {n + 1}", "housing", covered))
    for slug, name, kind, covered in agencies:
        a = Agency.register(ctx, slug, name, kind, covered)
        a.change_contacts(ctx, {"contact": PERSON, "escalation": PERSON})
        aggregates.append(a)
        if kind not in ("police", "probation") or slug == POLICE:
            for partnership in covered:
                if slug not in served[partnership]:
                    served[partnership].append(slug)
    aggregates.append(County.register(ctx, COUNTY, "Bench County Safety Board", slugs))
    services.app.save(*aggregates)
    places = []
    for slug, code in zip(slugs, codes, strict=True):
        sites = [(f"S{rng.randrange(10, 99)} {rng.randrange(10000, 99999)} {rng.randrange(10000, 99999)}",
                  f"Site {n + 1} near {slug}") for n in range(SITES)]
        groups = [f"{code}-GRP-{n + 1:03d}" for n in range(GROUPS)]
        places.append(Place(slug, code, served[slug], sites, groups))
    return places


# --------------------------------------------------------------------------- time


@dataclass
class At:
    """A fact's moment: effective (the stored form) and recorded, with an optional reason."""

    effective: str
    recorded: datetime
    reason: str | None = None


Story = Generator[At, CommandContext, None]


class Timeline:
    """One case's clock: effective moments never go back; recorded times follow them."""

    __slots__ = ("case", "day", "last", "moment", "rng")

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.case: Case | None = None
        self.day = FIRST_DAY
        self.moment: datetime | None = None
        self.last = SETUP_ON

    def _recorded(self, earliest: datetime, office: bool) -> datetime:
        r = self.rng.random()
        if office:  # a date: entered that working day, the next few, or weeks later
            at = earliest + timedelta(minutes=self.rng.randrange(9 * 60, 17 * 60))
            if r > 0.70:
                at += timedelta(days=self.rng.randrange(1, 4) if r < 0.93 else self.rng.randrange(7, 29))
        else:  # a time on site: entered within hours, sometimes days later
            at = earliest + timedelta(minutes=self.rng.randrange(5, 180))
            if r > 0.95:
                at += timedelta(days=self.rng.randrange(1, 6))
        self.last = max(at.astimezone(UTC), self.last + timedelta(seconds=1))
        return self.last

    def on(self, day: date, reason: str | None = None) -> At:
        """A fact effective on a date (DARDR, ASB); never before the case's last one."""
        self.day = max(self.day, day)
        midnight = datetime.combine(self.day, clock_time(0), tzinfo=LONDON)
        return At(self.day.isoformat(), self._recorded(midnight, office=True), reason)

    def at(self, moment: datetime, reason: str | None = None) -> At:
        """A fact effective at a date-time (encampments count hours). Arithmetic is done in UTC
        (London wall-clock arithmetic would make times that do not exist in March)."""
        moment = moment.astimezone(UTC)
        if self.moment is not None and moment < self.moment:
            moment = self.moment
        self.moment = moment
        local = moment.astimezone(LONDON)
        self.day = local.date()
        return At(local.isoformat(timespec="seconds"), self._recorded(moment, office=False), reason)

    def after(self, delta: timedelta, reason: str | None = None) -> At:
        """A fact ``delta`` after the case's last one (encampments)."""
        assert self.moment is not None
        return self.at(self.moment + delta, reason)


Plan = list[tuple[date, Callable[[CommandContext], Any], str | None]]


def run_plan(tl: Timeline, plan: Plan) -> Story:
    """Apply planned commands in date order (ties in the order planned)."""
    for day, command, reason in sorted(plan, key=lambda item: item[0]):
        ctx = yield tl.on(day, reason)
        command(ctx)


# --------------------------------------------------------------------------- the world


class World:
    def __init__(self, services: Services, places: list[Place], rng: random.Random) -> None:
        self.services = services
        self.calendar = services.calendar
        self.places = places
        self.rng = rng
        self.counters: dict[str, ReferenceCounter] = {}
        self.dirty: dict[Any, Any] = {}
        self.policies = {
            "dhr-2016": dardr_policy("dhr-2016"), "dardr-2024-draft": dardr_policy("dardr-2024-draft"),
            "asb": asb_policy(), "encampment": encampment_policy(),
        }

    def wd(self, day: date, n: int) -> date:
        """``n`` working days after ``day`` (England and Wales)."""
        return add_working_days(self.calendar, day, n) if n > 0 else day

    def allocate(self, place: Place, type_code: str, ctx: CommandContext) -> tuple[str, Any]:
        """The next gap-free reference of the partnership, type and year, as the service does."""
        prefix = reference_prefix(place.code, type_code, int(ctx.effective[:4]))
        counter = self.counters.get(prefix)
        if counter is None:
            counter = self.counters[prefix] = ReferenceCounter.start(prefix, ctx)
        self.dirty[counter.id] = counter
        return counter.allocate(ctx)

    def no_return_finding(self, place: Place, key: str, group: str | None,
                          on: date) -> dict[str, str] | None:
        """As ``application.encampment.find_no_return_window``, over the windows the domain
        stored on the partnership's earlier cases (kept here instead of reloading the cases)."""
        hits = [w for w in place.windows
                if (w["key"] == key or (group and w["group"] == group))
                and date.fromisoformat(w["from"]) <= on <= date.fromisoformat(w["until"])]
        if not hits:
            return None
        best = max(hits, key=lambda w: w["until"])
        return {"case": best["case"], "power": best["power"], "from": best["from"],
                "until": best["until"]}


# --------------------------------------------------------------------------- DARDR


def dardr_story(w: World, tl: Timeline, place: Place, opened: date) -> Story:  # noqa: C901, PLR0912, PLR0915
    rng = w.rng
    ctx = yield tl.on(opened)
    guidance = "dardr-2024-draft" if opened >= date(2025, 4, 1) and rng.random() < 0.3 else "dhr-2016"
    reference, case_id = w.allocate(place, "DARDR", ctx)
    notified_by = POLICE if rng.random() < 0.7 else rng.choice(place.agencies)
    case = DardrReview.notify(
        ctx, case_id=case_id, reference=reference, partnership=place.slug,
        policy=w.policies[guidance], date_of_death=(opened - timedelta(days=rng.randrange(2, 22))).isoformat(),
        victim_pseudonym="Victim", notified_by=notified_by,
        relationship=pick(rng, RELATIONSHIPS), death_type=pick(rng, DEATH_TYPES),
        age_band=rng.choice(AGE_BANDS), police_force_area="Bench")
    tl.case = case
    others = [a for a in place.agencies if a != POLICE]

    # -- scoping and the decision (one calendar month)
    scoping = [POLICE, *rng.sample(others, rng.randrange(2, 5))]
    ctx = yield tl.on(w.wd(opened, rng.randrange(1, 4)))
    case.start_scoping(ctx, scoping)
    start = tl.day
    decide_on = start + timedelta(days=rng.randrange(12, 45))
    plan: Plan = []
    for agency in scoping:
        if rng.random() < 0.04:  # never sent: withdrawn after the decision, or left overdue
            if rng.random() < 0.7:
                plan.append((decide_on + timedelta(days=rng.randrange(1, 10)),
                             lambda c, a=agency: case.withdraw_return(c, a, "scoping"), None))
            continue
        plan.append((w.wd(start, rng.randrange(3, 16)),
                     lambda c, a=agency: case.receive_return(c, a, "scoping"), None))
    if guidance == "dardr-2024-draft":
        plan.append((decide_on - timedelta(days=rng.randrange(1, 5)),
                     lambda c: case.complete_scoping_review(c, "Early learning recorded"), None))
    review = rng.random() < 0.65
    plan.append((decide_on, lambda c: case.decide(c, "review" if review else "no-review",
                                                  "The statutory criteria considered"), None))
    yield from run_plan(tl, plan)
    ctx = yield tl.on(w.wd(tl.day, rng.randrange(1, 9)))
    case.notify_home_office(ctx)
    if not review:
        ctx = yield tl.on(tl.day + timedelta(days=rng.randrange(15, 70)))
        if rng.random() < 0.85:
            case.record_home_office_view(ctx, "no-review-agreed")
            return
        case.record_home_office_view(ctx, "direction")

    # -- commissioning: chair (20 working days), panel, terms of reference
    ctx = yield tl.on(w.wd(tl.day, rng.randrange(5, 30)))
    case.appoint_chair(ctx, "Independent Chair")
    for _ in range(rng.randrange(2, 5)):
        ctx = yield tl.on(tl.day + timedelta(days=rng.randrange(0, 6)))
        case.add_panel_member(ctx, rng.choice(place.agencies), "Panel member", "senior manager")
    ctx = yield tl.on(tl.day + timedelta(days=rng.randrange(5, 25)))
    imrs = rng.sample(place.agencies, rng.randrange(3, 7))
    case.agree_terms(ctx, (opened - timedelta(days=1100)).isoformat(),
                     (opened - timedelta(days=5)).isoformat(), imrs)
    terms = tl.day

    # -- evidence: IMRs (40 working days), extensions, challenges, a trial that pauses the review
    plan = []
    last = terms
    for agency in imrs:
        name = f"return:{agency}:imr"
        received = w.wd(terms, rng.randrange(20, 75))
        if rng.random() < 0.12:  # extended before it fell due; received after the extension
            extended = w.wd(terms, rng.randrange(25, 38))
            plan.append((extended,
                         lambda c, n=name: case.extend_deadline(c, n, w.wd(terms, 60).isoformat()),
                         "Agreed with the chair: records held off site"))
            received = max(received, w.wd(extended, rng.randrange(1, 25)))
        if rng.random() < 0.04:  # never sent: withdrawn before the draft, or left overdue
            if rng.random() < 0.6:
                gave_up = w.wd(terms, rng.randrange(50, 70))
                plan.append((gave_up, lambda c, a=agency: case.withdraw_return(c, a, "imr"), None))
                last = max(last, gave_up)
            continue
        plan.append((received, lambda c, a=agency: case.receive_return(c, a, "imr"), None))
        if rng.random() < 0.08:
            again = w.wd(received, rng.randrange(10, 25))
            due = w.wd(received, 15).isoformat()
            plan.append((w.wd(received, rng.randrange(2, 8)),
                         lambda c, a=agency, d=due: case.challenge_return(c, a, "imr", due=d),
                         "Chronology incomplete"))
            plan.append((again, lambda c, a=agency: case.receive_return(c, a, "imr"), None))
            received = again
        if rng.random() < 0.7:
            plan.append((w.wd(received, rng.randrange(2, 10)),
                         lambda c, a=agency: case.accept_return(c, a, "imr"), None))
        last = max(last, received)
    for n in range(rng.randrange(1, 5)):
        plan.append((terms + timedelta(days=30 * (n + 1)), case.record_panel_meeting, None))
    family_met = rng.random() < 0.6
    if family_met:
        plan.append((terms + timedelta(days=rng.randrange(5, 60)),
                     lambda c: case.record_family_contact(c, "Met the family"), None))
    if rng.random() < 0.5:
        plan.append((terms + timedelta(days=rng.randrange(5, 60)),
                     lambda c: case.offer_advocacy(c, "AAFDA"), None))
    if rng.random() < 0.15:  # a criminal trial: the review pauses until it ends
        linked = terms + timedelta(days=rng.randrange(5, 50))
        ended = linked + timedelta(days=rng.randrange(60, 330))
        plan.append((linked, lambda c: case.link_process(c, "criminal", "Operation X", pause=True),
                     "Awaiting the criminal trial"))
        plan.append((linked + timedelta(days=rng.randrange(20, 50)),
                     lambda c: case.update_process(c, "P1", "trial listed", {"trial": ended.isoformat()}),
                     None))
        plan.append((ended, lambda c: case.conclude_process(c, "P1", "verdict"), None))
        last = max(last, ended)
    elif rng.random() < 0.1:
        plan.append((terms + timedelta(days=rng.randrange(5, 90)),
                     lambda c: case.link_process(c, "inquest", "Coroner ref"), None))
    yield from run_plan(tl, plan)

    # -- the report: drafts, panel agreement (completion target), sign-off, the Commissioner
    ctx = yield tl.on(max(tl.day, last) + timedelta(days=rng.randrange(10, 45)))
    case.circulate_draft(ctx)
    for _ in range(rng.randrange(0, 3)):
        ctx = yield tl.on(tl.day + timedelta(days=rng.randrange(20, 45)))
        case.circulate_draft(ctx)
    if rng.random() < 0.4:
        ctx = yield tl.on(tl.day + timedelta(days=rng.randrange(1, 10)))
        case.show_family_draft(ctx)
        family_met = True
    ctx = yield tl.on(tl.day + timedelta(days=rng.randrange(15, 40)))
    case.agree_report(ctx)
    # sign-off without family engagement needs the reason why (statutory guidance 2016, s.6)
    ctx = yield tl.on(tl.day + timedelta(days=rng.randrange(5, 25)),
                      None if family_met else "The family could not be traced")
    case.sign_off(ctx)
    signed = tl.day
    plan = [(w.wd(signed, rng.randrange(2, 15)), case.send_commissioner_copy, None),
            (signed + timedelta(days=rng.randrange(1, 10)), case.submit, None)]
    yield from run_plan(tl, plan)

    # -- Home Office QA: approved, amendments, or resubmission
    while True:
        ctx = yield tl.on(tl.day + timedelta(days=rng.randrange(30, 110)))
        r = rng.random()
        if r < 0.55:
            case.record_qa_outcome(ctx, "approved")
            break
        if r < 0.85:
            case.record_qa_outcome(ctx, "approved-subject-to-amendments", ["Clarify the chronology"])
            ctx = yield tl.on(tl.day + timedelta(days=rng.randrange(10, 50)))
            case.complete_amendments(ctx)
            break
        case.record_qa_outcome(ctx, "resubmission-required", ["Family voice missing"])
        ctx = yield tl.on(tl.day + timedelta(days=rng.randrange(20, 70)),
                          "The panel's point is answered in the revised report")
        case.submit(ctx)
    approved = tl.day

    # -- action plan, publication (20 working days), monitoring, closure
    ctx = yield tl.on(approved + timedelta(days=rng.randrange(0, 10)))
    case.adopt_action_plan(ctx)
    plan = []
    closed_all, last = True, tl.day
    for n in range(rng.randrange(2, 7)):
        added = tl.day + timedelta(days=rng.randrange(0, 5))
        due = added + timedelta(days=rng.randrange(90, 365))
        action = f"A{n + 1}"
        plan.append((added, lambda c, due=due: case.add_action(
            c, "Recommendation", rng.choice(place.agencies),
            rng.choice(("single-agency", "multi-agency", "local")), due.isoformat()), None))
        update = added
        for _ in range(rng.randrange(1, 4)):
            update += timedelta(days=rng.randrange(40, 100))
            plan.append((update, lambda c, a=action: case.update_action(
                c, a, pick(rng, (("green", 50), ("amber", 35), ("red", 15))), "Progress"), None))
        if rng.random() < 0.92:
            done = max(update, due + timedelta(days=rng.randrange(-60, 60)))
            plan.append((done, lambda c, a=action: case.close_action(c, a, "Evidence seen"), None))
            last = max(last, done)
        else:
            closed_all = False
            last = max(last, update)
    published = w.wd(approved, rng.randrange(8, 40))
    if rng.random() < 0.08:
        plan.append((w.wd(approved, rng.randrange(3, 10)), lambda c: case.defer_publication(
            c, pick(rng, (("inquest", 50), ("family", 30), ("criminal-proceedings", 20)))),
            "Asked to wait"))
        published += timedelta(days=rng.randrange(60, 240))
    plan.append((published, lambda c: case.publish(c, "https://example.org/dardr"), None))
    yield from run_plan(tl, plan)
    if closed_all:
        ctx = yield tl.on(max(tl.day, last) + timedelta(days=rng.randrange(10, 40)))
        case.close(ctx, "Published; action plan complete")
    elif rng.random() < 0.6:
        ctx = yield tl.on(tl.day + timedelta(days=rng.randrange(30, 90)), "Remaining actions "
                          "monitored by the agency's own board")
        case.close(ctx, "Published; actions handed over")


# --------------------------------------------------------------------------- ASB


def asb_complaints(rng: random.Random, place: Place, opened: date) -> list[dict[str, Any]]:
    complaints: list[dict[str, Any]] = []
    count = pick(rng, ((1, 12), (2, 18), (3, 32), (4, 22), (5, 11), (6, 5)))
    for n in range(count):
        behaviour = opened - timedelta(days=rng.randrange(10, 170))
        late = rng.random() < 0.12
        reported = min(opened, behaviour + timedelta(days=rng.randrange(35, 60) if late
                                                     else rng.randrange(0, 20)))
        item: dict[str, Any] = {"behaviour": behaviour.isoformat(), "reported": reported.isoformat(),
                                "agency": POLICE if rng.random() < 0.5 else rng.choice(place.agencies),
                                "description": "Noise and intimidation", "hate": rng.random() < 0.05}
        if n and rng.random() < 0.1:
            complaints[-1].setdefault("reference", f"REF-{rng.randrange(10**6)}")
            item["reference"] = complaints[-1]["reference"]  # the same incident: counted once
        complaints.append(item)
    return complaints


def asb_story(w: World, tl: Timeline, place: Place, opened: date) -> Story:  # noqa: C901, PLR0912, PLR0915
    rng = w.rng
    ctx = yield tl.on(opened)
    reference, case_id = w.allocate(place, "ASB", ctx)
    case = AsbCaseReview.receive(
        ctx, case_id=case_id, reference=reference, partnership=place.slug, hub=rng.choice(HUBS),
        policy=w.policies["asb"], channel=pick(rng, CHANNELS), applicant_type=pick(rng, APPLICANTS),
        applicant_name="Applicant", applicant_contact="applicant@bench.example.org", consent=True,
        complaints=asb_complaints(rng, place, opened), victim_consent=True)
    tl.case = case

    # -- acknowledgement (2 working days), information (5), threshold decision (10)
    asked = rng.sample(place.agencies, 1 if rng.random() < 0.7 else 2)
    ctx = yield tl.on(w.wd(opened, pick(rng, ((0, 20), (1, 40), (2, 25), (3, 10), (5, 5)))))
    case.acknowledge(ctx, asked)
    acknowledged = tl.day
    if rng.random() < 0.03:
        ctx = yield tl.on(tl.day + timedelta(days=rng.randrange(2, 20)), "The applicant withdrew")
        case.close(ctx, "Withdrawn")
        return
    decided = w.wd(acknowledged, rng.randrange(4, 14))
    plan: Plan = []
    for agency in asked:
        if rng.random() < 0.95:
            plan.append((w.wd(acknowledged, rng.randrange(2, 10)),
                         lambda c, a=agency: case.receive_return(c, a, "information"), None))
        elif rng.random() < 0.6:  # never sent: withdrawn at the decision, or left overdue
            plan.append((decided, lambda c, a=agency: case.withdraw_return(c, a, "information"),
                         None))
    evaluation = case.evaluate_threshold()
    met = evaluation.met or rng.random() < 0.25
    rule = None if evaluation.met or not met else "discretion"
    plan.append((decided, lambda c: case.decide_threshold(
        c, met, rule, "Persistent behaviour; harm to a vulnerable victim"), None))
    yield from run_plan(tl, plan)
    ctx = yield tl.on(w.wd(tl.day, pick(rng, ((0, 25), (1, 40), (2, 20), (4, 15)))))
    case.notify_threshold(ctx, pick(rng, (("letter", 50), ("email", 40), ("phone", 10))))

    if not met:  # an appeal against "not met" in 15%, upheld in a third of those
        if rng.random() < 0.15:
            ctx = yield tl.on(w.wd(tl.day, rng.randrange(3, 18)))
            case.lodge_appeal(ctx, "Earlier reports were not counted")
            upheld = rng.random() < 0.35
            ctx = yield tl.on(w.wd(tl.day, rng.randrange(3, 13)))
            case.determine_appeal(ctx, upheld)
            if upheld:
                ctx = yield tl.on(w.wd(tl.day, rng.randrange(0, 3)))
                case.notify_threshold(ctx, "letter")
        if case.stage == "threshold-not-met":
            ctx = yield tl.on(w.wd(tl.day, rng.randrange(21, 40)))
            case.close(ctx, "Threshold not met; no appeal in the window")
            return

    # -- the review meeting (10 working days), recommendations, outcome (5)
    held = w.wd(tl.day, rng.randrange(3, 16))
    if rng.random() < 0.3:
        ctx = yield tl.on(w.wd(tl.day, 1))
        case.schedule_meeting(ctx, max(held, tl.day).isoformat())
    invited = rng.random() < 0.9
    ctx = yield tl.on(held, None if invited else "The victim asked not to attend")
    case.hold_meeting(ctx, "Chair", independent_chair=rng.random() < 0.3, victim_invited=invited,
                      victim_attended=invited and rng.random() < 0.6, agencies=asked)
    actions = 0
    while True:
        recommendations = rng.randrange(1, 5) if rng.random() < 0.85 else 0
        ctx = yield tl.on(tl.day + timedelta(days=rng.randrange(0, 4)),
                          None if recommendations else "The response was already adequate")
        if recommendations:
            case.recommend(ctx, [f"Recommendation {n + 1}" for n in range(recommendations)])
        else:
            case.recommend(ctx, none=True)
        for _ in range(min(recommendations, rng.randrange(1, 3))):
            ctx = yield tl.on(tl.day + timedelta(days=rng.randrange(0, 5)))
            actions += 1
            case.add_action(ctx, "Recommendation", rng.choice(place.agencies),
                            rng.choice(("single-agency", "multi-agency")),
                            (tl.day + timedelta(days=rng.randrange(30, 120))).isoformat())
        if recommendations:
            ctx = yield tl.on(tl.day + timedelta(days=rng.randrange(1, 5)))
            case.share_action_plan(ctx)
            if rng.random() < 0.6:
                ctx = yield tl.on(tl.day + timedelta(days=rng.randrange(1, 6)))
                case.record_victim_comments(ctx, "Content with the plan")
        ctx = yield tl.on(w.wd(held, rng.randrange(2, 9)))
        case.notify_outcome(ctx, pick(rng, (("letter", 50), ("email", 40), ("phone", 10))))
        if rng.random() >= 0.04:
            break
        ctx = yield tl.on(w.wd(tl.day, rng.randrange(3, 18)))
        case.lodge_appeal(ctx, "The recommendations do not address the behaviour")
        upheld = rng.random() < 0.3
        ctx = yield tl.on(w.wd(tl.day, rng.randrange(3, 13)))
        case.determine_appeal(ctx, upheld)
        if not upheld:
            break
        held = tl.day

    # -- actions monitored, then closure
    plan, closed_all, last = [], True, tl.day
    for action in (f"A{n + 1}" for n in range(actions)):
        update = tl.day
        for _ in range(rng.randrange(0, 2)):
            update += timedelta(days=rng.randrange(14, 45))
            plan.append((update, lambda c, a=action: case.update_action(
                c, a, pick(rng, (("green", 55), ("amber", 35), ("red", 10))), "Progress"), None))
        if rng.random() < 0.93:
            done = update + timedelta(days=rng.randrange(10, 100))
            plan.append((done, lambda c, a=action: case.close_action(c, a, "Done"), None))
            last = max(last, done)
        else:
            closed_all = False
    yield from run_plan(tl, plan)
    if closed_all:
        # a reason, as a close inside the appeal window needs one (ASBCPA 2014 Sch.4 para 3)
        ctx = yield tl.on(max(tl.day, last) + timedelta(days=rng.randrange(5, 20)),
                          "The applicant does not intend to appeal")
        case.close(ctx, "Actions complete; applicant told")
    elif rng.random() < 0.6:
        ctx = yield tl.on(tl.day + timedelta(days=rng.randrange(20, 60)),
                          "Remaining action owned by the housing provider")
        case.close(ctx, "Closed with an action handed over")


# --------------------------------------------------------------------------- encampments


def report_time(rng: random.Random, day: date) -> datetime:
    """70% in working hours, the rest in the evening, at night or at the weekend."""
    if rng.random() < 0.7:
        minutes = rng.randrange(9 * 60, 17 * 60)
    else:
        minutes = rng.choice((rng.randrange(17 * 60, 24 * 60), rng.randrange(0, 9 * 60)))
    return datetime.combine(day, clock_time(minutes // 60, minutes % 60), tzinfo=LONDON)


def encampment_story(w: World, tl: Timeline, place: Place, opened: date) -> Story:  # noqa: C901, PLR0912, PLR0915
    rng = w.rng
    hour = timedelta(hours=1)
    t = report_time(rng, opened)
    popular = rng.random() < 0.1  # a few sites are used again and again
    grid, description = place.sites[rng.randrange(POPULAR_SITES if popular else SITES)]
    group = rng.choice(place.groups) if rng.random() < 0.15 else None
    key = location_key(grid)
    ctx = yield tl.at(t)
    reference, case_id = w.allocate(place, "UE", ctx)
    caravans = rng.randrange(1, 16)
    case = EncampmentCase.report(
        ctx, case_id=case_id, reference=reference, partnership=place.slug, hub=rng.choice(HUBS),
        policy=w.policies["encampment"], location=description, grid_ref=grid, caravans=caravans,
        vehicles=rng.randrange(1, caravans + 4), group=group,
        within_no_return_window=w.no_return_finding(place, key, group, opened))
    tl.case = case

    # -- ownership, first visit (24 hours, or the next working day), welfare (3 wd), impact
    if rng.random() < 0.03:
        ctx = yield tl.after(hour * rng.randrange(1, 8), "A duplicate report")
        case.close(ctx, "Duplicate of another report")
        return
    ctx = yield tl.at(t + timedelta(minutes=rng.randrange(20, 360)))
    land = pick(rng, LANDS)
    case.establish_ownership(ctx, land, "Landowner")
    ctx = yield tl.at(t + hour * rng.randrange(2, 32))
    case.visit(ctx, adults=rng.randrange(1, 2 * caravans + 2), children=rng.randrange(0, 2 * caravans))
    ctx = yield tl.after(timedelta(days=rng.choice((0, 0, 1, 1, 2, 4)), hours=rng.randrange(0, 3)))
    case.assess_welfare(ctx, rng.sample(("health", "education", "elderly", "newborn"), rng.randrange(0, 3)),
                        ["health-visitor"] if rng.random() < 0.3 else [])
    ctx = yield tl.after(timedelta(minutes=rng.randrange(10, 120)))
    case.assess_impact(ctx, rng.randrange(1, 4), rng.randrange(1, 4), ["access"])

    # -- the decision (1 working day): tolerate, negotiated stopping, or not allow
    ctx = yield tl.after(hour * rng.choice((1, 3, 20, 24, 50)))
    r = rng.random()
    power = None
    if r < 0.40:
        decision = "tolerate" if r < 0.3 else "negotiated-stopping"
        leave_by = tl.day + timedelta(days=rng.randrange(5, 22) if r < 0.3 else rng.randrange(14, 43))
        case.decide(ctx, decision, leave_by=leave_by.isoformat(), reasons="Low impact")
        leaving = datetime.combine(leave_by, clock_time(10), tzinfo=LONDON)
        if rng.random() < 0.85:
            ctx = yield tl.at(leaving - timedelta(days=rng.randrange(0, 4)))
            case.vacate(ctx)
        else:  # overstayed the agreed date: not allowed any more
            ctx = yield tl.at(leaving + timedelta(days=rng.randrange(1, 4)))
            power = "s77"
            case.decide(ctx, "not-allow", power, reasons="Overstayed the agreed date")
    else:
        power = pick(rng, POWERS)
        case.decide(ctx, "not-allow", power, reasons="Proportionate after the welfare assessment")
        if power in ("s77", "cpr55") and rng.random() < 0.1:
            ctx = yield tl.after(hour)
            case.refer_to_police(ctx, "s61")

    if power in ("s77", "s61", "s62a", "s60c"):  # a direction, and its no-return window
        ctx = yield tl.after(hour * rng.randrange(1, 6))
        # the statutory conditions a police direction records first (CJPOA 1994 ss.61, 62A)
        case.serve_direction(ctx, power, occupier_asked=power in ("s61", "s62a"),
                             grounds=[S61Ground.DAMAGE] if power == "s61" else None,
                             pitch_available=power == "s62a")
        window = case.no_return_windows[-1]
        place.windows.append({"key": key, "group": group or "", "case": reference,
                              "power": window["power"], "from": window["from"],
                              "until": window["until"]})
        ctx = yield tl.after(hour * rng.randrange(20, 31))
        present = rng.random() < 0.3
        case.check_compliance(ctx, present)
        if not present:
            ctx = yield tl.after(timedelta(minutes=30))
            case.vacate(ctx)
        elif power != "s77":  # police powers: removal
            ctx = yield tl.after(hour * rng.randrange(2, 10))
            case.enforce(ctx)
            ctx = yield tl.after(hour)
            case.vacate(ctx, enforced=True)
        else:
            yield from court(w, tl, case, "summons")
    elif power in ("cpr55", "injunction"):
        yield from court(w, tl, case, "claim", "possession" if power == "cpr55" else "injunction")

    # -- the site cleared (5 working days) and the costs
    if case.stage != "vacated":
        return
    ctx = yield tl.at(datetime.combine(w.wd(tl.day, rng.randrange(1, 7)), clock_time(11), tzinfo=LONDON))
    court_used = case.summonses + case.claims > 0
    case.clear_site(ctx, cleanup_cost=float(rng.randrange(0, 3000)),
                    legal_cost=float(rng.randrange(500, 4000)) if court_used else None,
                    damage=float(rng.randrange(100, 2000)) if rng.random() < 0.2 else None)


def court(w: World, tl: Timeline, case: EncampmentCase, route: str, order: str = "s78") -> Story:
    """A s.78 summons or a CPR 55 claim, the hearing, the order, service and enforcement."""
    rng = w.rng
    hour = timedelta(hours=1)
    ctx = yield tl.after(hour * rng.randrange(2, 8))
    served = times.effective_date(ctx.effective)
    # CPR 55.5(2): at least 2 clear days (CPR 2.8, weekends and bank holidays left out) before it
    day = max(tl.day + timedelta(days=rng.randrange(3, 7)),
              earliest_after_clear_days(w.calendar, served, 2))
    hearing = datetime.combine(day, clock_time(10), tzinfo=LONDON)
    if route == "summons":
        case.issue_summons(ctx, hearing.isoformat(timespec="seconds"))
    else:
        case.issue_claim(ctx, hearing.isoformat(timespec="seconds"),
                         method=ClaimService.ATTACHED_TO_LAND)
    result = pick(rng, (("order-granted", 80), ("adjourned", 8), ("refused", 6), ("withdrawn", 6)))
    ctx = yield tl.at(hearing + hour * 2)
    case.record_hearing(ctx, result)
    if result == "adjourned":
        hearing += timedelta(days=7)
        result = "order-granted"
        ctx = yield tl.at(hearing + hour * 2)
        case.record_hearing(ctx, result)
    if result != "order-granted":
        ctx = yield tl.at(hearing + timedelta(days=rng.randrange(1, 10)))
        case.vacate(ctx)
        return
    ctx = yield tl.after(timedelta(minutes=30))
    case.grant_order(ctx, order)
    ctx = yield tl.after(hour * rng.randrange(2, 6))
    case.serve_order(ctx, order)
    if order == "s78":  # the owner and occupier told before the council enters (s.78(3))
        case.give_entry_notice(ctx)
    ctx = yield tl.after(hour * rng.randrange(24, 30))
    present = rng.random() < 0.3
    case.check_compliance(ctx, present)
    if present:
        ctx = yield tl.after(hour)
        scheduled = datetime.fromisoformat(ctx.effective) + hour * rng.randrange(20, 48)
        case.enforce(ctx, "scheduled", scheduled.isoformat(timespec="seconds"))
        ctx = yield tl.at(scheduled)
        case.enforce(ctx)
    ctx = yield tl.after(hour * 2)
    case.vacate(ctx, enforced=present)


# --------------------------------------------------------------------------- running it


STORIES = {"dardr": dardr_story, "asb": asb_story, "encampment": encampment_story}


@dataclass
class Generated:
    cases: int
    events: int
    commands: int
    seconds: float
    by_type: dict[str, int]
    open_cases: int

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds


def opening_days(rng: random.Random, kind: str, count: int) -> list[date]:
    """Uniform over the span; encampments more often from May to September."""
    span = (LAST_DAY - FIRST_DAY).days + 1
    days: list[date] = []
    while len(days) < count:
        day = FIRST_DAY + timedelta(days=rng.randrange(span))
        if kind == "encampment" and day.month not in (5, 6, 7, 8, 9) and rng.random() < 0.4:
            continue
        days.append(day)
    return days


def build_dataset(services: Services, cases: int = 50_000, seed_value: int = 20261102,
                  progress: bool = True) -> Generated:
    """Set up the county and record every case's story in recorded order; saves in batches."""
    started = time.perf_counter()
    rng = random.Random(seed_value)
    places = seed(services, rng)
    world = World(services, places, rng)
    weights = [0.5 + rng.random() * 1.5 for _ in places]  # partnerships of different sizes
    heap: list[tuple[datetime, int, At, Story, Timeline]] = []
    by_type: dict[str, int] = {}
    sequence = 0
    for kind, share in MIX:
        count = round(cases * share) if kind != MIX[-1][0] else cases - sum(by_type.values())
        by_type[kind] = count
        for day, place in zip(opening_days(rng, kind, count), rng.choices(places, weights, k=count),
                              strict=True):
            tl = Timeline(rng)
            story = STORIES[kind](world, tl, place, day)
            first = next(story)
            if first.recorded > RECORDED_UNTIL:  # opened on the last days, entered late: entered now
                first.recorded = tl.last = RECORDED_UNTIL - timedelta(minutes=rng.randrange(1, 600))
            heap.append((first.recorded, sequence, first, story, tl))
            sequence += 1
    heapq.heapify(heap)
    calendar = services.calendar
    events = commands = since_save = 0
    open_stories = 0
    last_print = time.perf_counter()

    def save() -> None:
        nonlocal events, since_save
        if world.dirty:
            events += len(services.app.save(*world.dirty.values()))
            world.dirty.clear()
        since_save = 0

    while heap:
        recorded, _, at, story, tl = heapq.heappop(heap)
        if recorded > RECORDED_UNTIL:
            story.close()  # the rest of this story has not happened yet
            open_stories += 1
            continue
        ctx = CommandContext(effective=at.effective, actor="bench-coordinator", now=recorded,
                             calendar=calendar, reason=at.reason)
        try:
            following = story.send(ctx)
        except StopIteration:
            following = None
        except Exception as error:
            ref = tl.case.reference if tl.case is not None else "a new case"
            raise RuntimeError(f"{ref} at {at.effective}: {error}") from error
        commands += 1
        if tl.case is not None:
            world.dirty[tl.case.id] = tl.case
        if following is not None:
            heapq.heappush(heap, (following.recorded, sequence, following, story, tl))
            sequence += 1
        since_save += 1
        if since_save >= SAVE_EVERY:
            save()
            if progress and time.perf_counter() - last_print > 5:
                last_print = time.perf_counter()
                elapsed = last_print - started
                print(f"\r  generating: recorded up to {recorded:%Y-%m-%d}, {commands:,} commands, "
                      f"{events:,} events, {events / elapsed:,.0f} events/s", end="",
                      file=sys.stderr, flush=True)
    save()
    if progress:
        print(file=sys.stderr)
    return Generated(cases=cases, events=events, commands=commands,
                     seconds=time.perf_counter() - started, by_type=by_type,
                     open_cases=open_stories)


def count_events(services: Services) -> int:
    """Rows of the event store's events table (``stored_events`` on SQLite)."""
    table = "caseledger_events" if services.engine.dialect.name == "postgresql" else "stored_events"
    import sqlalchemy as sa

    with services.engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def main() -> None:
    from bench.__main__ import fresh_url
    from infrastructure.clock import FixedClock
    from infrastructure.settings import Settings
    from interfaces.bootstrap import build

    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--kind", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        services = build(Settings.from_env(database_url=fresh_url(args.kind, tmp)),
                         clock=FixedClock(NOW))
        made = build_dataset(services, args.cases)
        stored = count_events(services)
        print(f"{made.cases:,} cases ({', '.join(f'{k} {v:,}' for k, v in made.by_type.items())}), "
              f"{made.commands:,} commands, {made.events:,} events saved ({stored:,} rows in the "
              f"event store), {made.open_cases:,} cases still open; {made.seconds:.1f} s, "
              f"{made.events_per_s:,.0f} events/s")
        services.close()


if __name__ == "__main__":
    main()
