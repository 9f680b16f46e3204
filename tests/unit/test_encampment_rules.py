"""Encampment statutory fidelity: given events -> when command -> then
events or a refusal. Each test cites the source as read."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from application.encampment import find_no_return_window
from domain import encampment, no_return, times
from domain.errors import DateRuleViolated, InvalidInput, RuleRefused
from tests.unit import dardr_helpers
from tests.unit.test_encampment import assessed, ctx, enforcing, reported


def test_s60c_cannot_be_used_before_28_june_2022():
    """CJPOA 1994 s.60C, inserted by PCSCA 2022 s.83; in force 28.6.2022 (legislation.gov.uk
    annotation: PCSCA 2022 s.208(5)(i)). A request made on 27 June 2022 is refused; on 28 June
    it is served with the 12-month prohibited period of s.60C(3)."""
    with pytest.raises(RuleRefused, match="s60c was not in force on 2022-06-27"):
        no_return.power_in_force("s60c", date(2022, 6, 27))
    no_return.power_in_force("s60C-request", date(2022, 6, 28))
    start, until, rule = no_return.no_return_window("s60c", date(2022, 6, 28))
    assert (start, until, rule.months) == (date(2022, 6, 28), date(2023, 6, 27), 12)


def test_s62a_cannot_be_used_before_the_anti_social_behaviour_act_2003_inserted_it():
    """CJPOA 1994 ss.62A-62E, inserted by the Anti-social Behaviour Act 2003 s.60 (commencement
    27.2.2004 as recorded; not verified against the commencement order)."""
    with pytest.raises(RuleRefused, match="2004-02-27"):
        no_return.power_in_force("s62a", date(2004, 2, 26))
    assert no_return.rule_in_force("s62a", date(2004, 2, 27)).months == 3


def test_a_direction_dated_before_the_power_existed_is_refused_and_nothing_recorded():
    """s.60C (PCSCA 2022 s.83, in force 28.6.2022): a case back-dated to 2022 cannot record a
    s.60C request before that day."""
    early = encampment.EncampmentCase.report(
        ctx("2022-06-20T10:00"), case_id=uuid4(), reference="CUM-UE-2022-001",
        partnership="cumberland", hub=None, policy=encampment.national_policy(),
        location="Lay-by (test)", grid_ref="NY 1 1")
    early.establish_ownership(ctx("2022-06-20T11:00"), land="council")
    early.visit(ctx("2022-06-20T12:00"))
    early.assess_welfare(ctx("2022-06-20T13:00"))
    early.assess_impact(ctx("2022-06-20T13:30"), threat=1, likelihood=1)
    with pytest.raises(RuleRefused, match="s60c was not in force"):
        early.decide(ctx("2022-06-21T09:00"), decision="not-allow", power="s60c", reasons="r")
    early.decide(ctx("2022-06-21T09:00"), decision="not-allow", power="s61", reasons="r")
    before = len(early.collect_events())
    with pytest.raises(RuleRefused, match="s60c was not in force"):
        early.refer_to_police(ctx("2022-06-21T10:00"), power="s60c")
    with pytest.raises(RuleRefused, match="s60c was not in force"):
        early.serve_direction(ctx("2022-06-21T10:00"), power="s60c")
    assert early.collect_events() == [] and before > 0


def test_police_no_return_period_is_three_months_before_and_twelve_from_28_june_2022():
    """CJPOA 1994 s.61(4)(b) as enacted ("period of three months beginning with the day on which
    the direction was given"); s.61(4ZA)(a) inserted by PCSCA 2022 s.84(5): twelve months in
    England and Wales."""
    assert no_return.no_return_window("s61", date(2022, 6, 27))[1] == date(2022, 9, 26)
    assert no_return.no_return_window("s61", date(2022, 6, 28))[1] == date(2023, 6, 27)


def test_the_smith_declaration_is_in_the_catalogue_as_case_law_and_changes_no_period():
    """R (Smith) v SSHD [2024] EWHC 1137 (Admin): declaration of incompatibility (ECHR art.14
    with art.8) of the 3-to-12-month extension; Human Rights Act 1998 s.4(6): a declaration does
    not affect the validity or continuing operation of the provision."""
    smith = next(r for r in encampment.RULES if r.name == "encampment.no-return.smith-declaration")
    assert smith.basis.kind == "case law" and "[2024] EWHC 1137 (Admin)" in smith.basis.reference
    assert smith.link.startswith("https://caselaw.nationalarchives.gov.uk/")
    assert no_return.rule_in_force("s62a", date(2026, 12, 3)).months == 12
    assert all(r.case_type == "encampment" for r in encampment.RULES)
    assert len({r.name for r in encampment.RULES}) == len(encampment.RULES)


def test_enforcing_helper_still_serves_s77_today():
    case = enforcing("s77")
    case.serve_direction(ctx("2026-03-03T15:00"), power="s77")
    assert case.no_return_windows[0]["until"] == "2026-06-02"


# --------------------------------------------------------------------------- reach


CONDITIONS: dict[str, dict] = {
    "s61": {"occupier_asked": True, "grounds": ["damage"]},
    "s62a": {"occupier_asked": True, "pitch_available": True},
}


def directed_case(power: str) -> encampment.EncampmentCase:
    """An earlier case on grid NY 123 456 for group GRP-1, directed on 3 March 2026."""
    case = enforcing(power)
    case.serve_direction(ctx("2026-03-03T15:00"), power=power, **CONDITIONS.get(power, {}))
    return case


def finding(power: str, *, same_land: bool, group: str | None) -> dict[str, str] | None:
    key = "grid:NY123456" if same_land else "grid:NY999999"
    return find_no_return_window([directed_case(power)], key, group, date(2026, 4, 1))


def test_s77_reach_is_the_same_land_and_the_persons_directed():
    """CJPOA 1994 s.77(3)(b): a person who knows a direction applies to him commits an offence if,
    having removed the vehicle, he "again enters the land with a vehicle" within three months.
    The same group on the same land is flagged; another group on that land is not; the same group
    on other land is not (another s.77 direction is needed there)."""
    assert finding("s77", same_land=True, group="GRP-1") is not None
    assert finding("s77", same_land=True, group=None) is not None  # persons not ruled out
    assert finding("s77", same_land=True, group="GRP-2") is None
    assert finding("s77", same_land=False, group="GRP-1") is None


def test_s61_reach_is_the_land():
    """CJPOA 1994 s.61(4)(b) (as amended by PCSCA 2022 s.84(4)): "again enters the land as a
    trespasser within the prohibited period". The land is flagged whoever is there."""
    assert finding("s61", same_land=True, group="GRP-2") is not None
    assert finding("s61", same_land=False, group="GRP-1") is None


def test_s62a_reach_is_any_land_in_the_local_authority_area():
    """CJPOA 1994 s.62B(1)(b): a person who knows a s.62A direction applies to him "enters any
    land in the area of the relevant local authority as a trespasser" with the intention of
    residing there, within the relevant period (s.62B(2): twelve months)."""
    found = finding("s62a", same_land=False, group="GRP-1")
    assert found is not None and found["until"] == "2027-03-02"
    assert finding("s62a", same_land=False, group="GRP-2") is None
    assert finding("s62a", same_land=False, group=None) is None
    assert finding("s62a", same_land=True, group=None) is not None


def test_s60c_reach_is_the_land_and_the_person_requested():
    """CJPOA 1994 s.60C(2)(b): P commits an offence if P "enters (or having left, re-enters) the
    land within the prohibited period" (s.60C(3): 12 months from the request)."""
    found = finding("s60c", same_land=True, group="GRP-1")
    assert found is not None and found["until"] == "2027-03-02"
    assert finding("s60c", same_land=True, group="GRP-2") is None
    assert finding("s60c", same_land=False, group="GRP-1") is None


def test_the_flag_on_the_new_case_says_the_reach():
    """The reach as read (CJPOA 1994 s.62B(1)(b)) is shown with the flag."""
    found = finding("s62a", same_land=False, group="GRP-1")
    case = encampment.EncampmentCase.report(
        ctx("2026-04-01T10:00"), case_id=uuid4(), reference="CUM-UE-2026-099",
        partnership="cumberland", hub=None, policy=encampment.national_policy(),
        location="Elsewhere (test)", grid_ref="NY 999 999", group="GRP-1",
        within_no_return_window=found)
    assert case.no_return_flag is not None
    assert "any land in the local authority's area by the persons directed" in case.no_return_flag


# --------------------------------------------------------------------------- CPR 55


def test_cpr55_land_notice_over_easter_leaves_out_the_bank_holidays_and_the_weekend():
    """CPR 55.5(2)(b): a claim against trespassers on land other than residential property is
    served not less than 2 days before the hearing; CPR 2.8(3)-(4): clear days, and a period of
    5 days or less leaves out Saturdays, Sundays, bank holidays and Good Friday. Served Thursday
    2 April 2026: Good Friday 3 April, the weekend and Easter Monday 6 April do not count, so the
    2 clear days are 7 and 8 April and the earliest hearing is Thursday 9 April."""
    case = enforcing("cpr55")
    with pytest.raises(DateRuleViolated, match=r"1 clear days\. The earliest hearing is 2026-04-09"):
        case.issue_claim(ctx("2026-04-02T10:00"), hearing="2026-04-08T10:00", method="stakes")
    assert case.claims == 0
    case.issue_claim(ctx("2026-04-02T10:00"), hearing="2026-04-09T10:00", method="stakes")
    served = case.collect_events()[-1]
    assert isinstance(served, encampment.ClaimServed)
    assert (served.method, served.persons_unknown, served.clear_days) == ("stakes", True, 2)
    assert served.basis is not None and "CPR 55.6" in served.basis


def test_cpr55_residential_needs_five_clear_working_days():
    """CPR 55.5(2)(a): 5 days for residential property; CPR 2.8(4): weekends do not count.
    Served Wednesday 4 March 2026: 5, 6, 9, 10 and 11 March, so the hearing is on 12 March at the
    earliest (the old count, weekends included, allowed 10 March)."""
    case = enforcing("cpr55")
    with pytest.raises(DateRuleViolated, match="The earliest hearing is 2026-03-12"):
        case.issue_claim(ctx("2026-03-04T10:00"), hearing="2026-03-11T10:00",
                         premises="residential", method="attached-to-land")
    case.issue_claim(ctx("2026-03-04T10:00"), hearing="2026-03-12T10:00", premises="residential",
                     method="attached-to-land")
    assert case.claims == 1


def test_cpr55_6_persons_unknown_are_served_on_the_land_or_on_stakes():
    """CPR 55.6 as read (Becket Chambers, 6 Dec 2017, quoting the rule): against "persons unknown"
    the documents must be served by attaching copies to the main door or some other part of the
    land, or by placing stakes in the land with copies in sealed transparent envelopes addressed
    to "the occupiers". Post is refused for persons unknown, allowed for named defendants; the
    method must be given."""
    case = enforcing("cpr55")
    with pytest.raises(RuleRefused, match="CPR 55.6"):
        case.issue_claim(ctx("2026-03-04T10:00"), hearing="2026-03-09T10:00", method="post")
    with pytest.raises(InvalidInput, match="Say how the claim was served"):
        case.issue_claim(ctx("2026-03-04T10:00"), hearing="2026-03-09T10:00")
    assert case.claims == 0
    case.issue_claim(ctx("2026-03-04T10:00"), hearing="2026-03-09T10:00", method="post",
                     persons_unknown=False)
    assert case.claims == 1


# ---------------------------------------------------------------------------


def test_a_never_acceptable_location_is_not_tolerated_without_a_reason():
    """Local policy (illustrative: the Cumberland impact factors list locations that are never
    acceptable, such as playing fields and playgrounds): a tolerate or negotiated-stopping
    decision on such a location needs a recorded reason; not-allow does not."""
    case = assessed()
    case.assess_impact(ctx("2026-03-03T12:00"), threat=2, likelihood=3, never_acceptable=True)
    for decision in ("tolerate", "negotiated-stopping"):
        with pytest.raises(RuleRefused, match="never acceptable"):
            case.decide(ctx("2026-03-03T14:00"), decision=decision, leave_by="2026-03-16")
    assert case.decision is None
    reasoned = dardr_helpers.ctx(times.parse_effective("2026-03-03T14:00"),
                                 reason="Only stopping place free; children in school")
    case.decide(reasoned, decision="tolerate", leave_by="2026-03-16")
    assert case.decision == "tolerate"


def test_a_s61_direction_records_the_occupiers_steps_and_a_ground_before_it_is_served():
    """CJPOA 1994 s.61(1) (legislation.gov.uk, as enacted and as amended by PCSCA 2022 s.84(3)):
    the officer reasonably believes that reasonable steps have been taken by or on behalf of the
    occupier to ask them to leave and (a) damage, disruption or distress (England and Wales from
    28 June 2022) or (b) six or more vehicles between them on the land."""
    case = enforcing("s61")
    with pytest.raises(RuleRefused, match="reasonable steps"):
        case.serve_direction(ctx("2026-03-03T15:00"), power="s61", grounds=["damage"])
    with pytest.raises(RuleRefused, match="needs a ground"):
        case.serve_direction(ctx("2026-03-03T15:00"), power="s61", occupier_asked=True)
    with pytest.raises(RuleRefused, match="threatening-behaviour is not a s.61 ground on 2026"):
        case.serve_direction(ctx("2026-03-03T15:00"), power="s61", occupier_asked=True,
                             grounds=["threatening-behaviour"])
    assert case.directions == 0
    case.collect_events()
    case.serve_direction(ctx("2026-03-03T15:00"), power="s61", occupier_asked=True,
                         grounds=["disruption", "six-vehicles"])  # 5 caravans + 3 vehicles
    events = case.collect_events()
    names = [type(e).__name__ for e in events]
    assert names.index("DirectionConditionsRecorded") < names.index("DirectionServed")
    recorded = events[names.index("DirectionConditionsRecorded")]
    assert (recorded.grounds, recorded.occupier_asked, recorded.vehicles_on_land) == (
        ["disruption", "six-vehicles"], True, 8)


def test_the_six_vehicles_ground_needs_six_vehicles_on_the_case():
    """CJPOA 1994 s.61(1)(b): "those persons have between them six or more vehicles on the
    land"; s.61(9): "vehicle" includes a caravan. Two caravans and two vehicles are not six."""
    case = enforcing("s61")
    case.visit(ctx("2026-03-03T14:30"), caravans=2, vehicles=2)
    with pytest.raises(RuleRefused, match="records 4"):
        case.serve_direction(ctx("2026-03-03T15:00"), power="s61", occupier_asked=True,
                             grounds=["six-vehicles"])


def test_before_28_june_2022_the_s61_grounds_were_damage_threatening_words_or_six_vehicles():
    """CJPOA 1994 s.61(1)(a) as enacted: "caused damage to the land or to property on the land or
    used threatening, abusive or insulting words or behaviour towards the occupier"; "disruption"
    came with PCSCA 2022 s.84(3), in force 28 June 2022."""
    early = encampment.EncampmentCase.report(
        ctx("2022-06-20T10:00"), case_id=uuid4(), reference="CUM-UE-2022-002",
        partnership="cumberland", hub=None, policy=encampment.national_policy(),
        location="Lay-by (test)", grid_ref="NY 1 1", caravans=3, vehicles=3)
    early.establish_ownership(ctx("2022-06-20T11:00"), land="council")
    early.visit(ctx("2022-06-20T12:00"))
    early.assess_welfare(ctx("2022-06-20T13:00"))
    early.assess_impact(ctx("2022-06-20T13:30"), threat=1, likelihood=1)
    early.decide(ctx("2022-06-21T09:00"), decision="not-allow", power="s61", reasons="r")
    with pytest.raises(RuleRefused, match="disruption is not a s.61 ground on 2022-06-21"):
        early.serve_direction(ctx("2022-06-21T10:00"), power="s61", occupier_asked=True,
                              grounds=["disruption"])
    early.serve_direction(ctx("2022-06-21T10:00"), power="s61", occupier_asked=True,
                          grounds=["threatening-behaviour"])
    assert early.no_return_windows[0]["until"] == "2022-09-20"


def test_a_s62a_direction_needs_the_occupiers_request_and_a_suitable_pitch():
    """CJPOA 1994 s.62A(2) (legislation.gov.uk): (b) at least one vehicle on the land; (d) if the
    person has caravans, a suitable pitch on a relevant caravan site for each; (e) the occupier or
    a person acting for them has asked the police to remove the trespassers."""
    case = enforcing("s62a")
    with pytest.raises(RuleRefused, match=r"s\.62A\(2\)\(e\)"):
        case.serve_direction(ctx("2026-03-03T15:00"), power="s62a", pitch_available=True)
    with pytest.raises(RuleRefused, match="suitable pitch"):
        case.serve_direction(ctx("2026-03-03T15:00"), power="s62a", occupier_asked=True)
    with pytest.raises(InvalidInput, match="Grounds are for a s.61"):
        case.serve_direction(ctx("2026-03-03T15:00"), power="s62a", occupier_asked=True,
                             pitch_available=True, grounds=["damage"])
    assert case.directions == 0
    case.serve_direction(ctx("2026-03-03T15:00"), power="s62a", occupier_asked=True,
                         pitch_available=True)
    assert case.directions == 1


def test_a_s77_direction_takes_no_police_conditions():
    """CJPOA 1994 s.77(1): the council's direction rests on persons residing in a vehicle on the
    land without consent; the s.61 grounds and the s.62A pitch are not its conditions."""
    case = enforcing("s77")
    with pytest.raises(InvalidInput, match="no s.61 grounds"):
        case.serve_direction(ctx("2026-03-03T15:00"), power="s77", grounds=["damage"])


def s78_order_served_on(land: str) -> encampment.EncampmentCase:
    """A s.77 direction ignored, a s.78 order granted and served on 6 March 2026 at 14:00."""
    case = reported()
    case.establish_ownership(ctx("2026-03-03T09:00"), land=land, landowner="Owner (test)")
    case.visit(ctx("2026-03-03T10:00"))
    case.assess_welfare(ctx("2026-03-03T11:00"))
    case.assess_impact(ctx("2026-03-03T11:30"), threat=2, likelihood=2)
    case.decide(ctx("2026-03-03T14:00"), decision="not-allow", power="s77", reasons="r")
    case.serve_direction(ctx("2026-03-03T15:00"), power="s77")
    case.issue_summons(ctx("2026-03-04T17:00"), hearing="2026-03-06T10:00")
    case.record_hearing(ctx("2026-03-06T12:00"), result="order-granted")
    case.grant_order(ctx("2026-03-06T12:30"), order="s78")
    case.serve_order(ctx("2026-03-06T14:00"), order="s78")
    return case


def test_s78_entry_on_land_occupied_by_another_needs_24_hours_notice():
    """CJPOA 1994 s.78(3) (as recalled; not re-read): the local authority shall not enter upon
    occupied land unless it has given the owner and occupier at least 24 hours' notice of its
    intention to do so. Notice given Saturday 7 March 10:00: entry refused at 09:59 on Sunday 8
    March, allowed from 10:00."""
    case = s78_order_served_on("private")
    with pytest.raises(RuleRefused, match="give-entry-notice"):
        case.enforce(ctx("2026-03-08T12:00"))
    case.give_entry_notice(ctx("2026-03-07T10:00"))
    with pytest.raises(RuleRefused, match="from 2026-03-08T10:00"):
        case.enforce(ctx("2026-03-08T09:59"))
    case.enforce(ctx("2026-03-08T10:00"))
    assert "EnforcementExecuted" in [type(e).__name__ for e in case.collect_events()]


def test_s78_entry_notice_is_not_needed_when_names_cannot_be_found_or_the_council_occupies():
    """CJPOA 1994 s.78(3) (as recalled): the exception where, after reasonable inquiries, the
    names and addresses of the owner and occupier cannot be ascertained; council land has no
    other occupier to notify (assumed reading)."""
    case = s78_order_served_on("private")
    case.give_entry_notice(ctx("2026-03-07T10:00"), names_unknown=True)
    case.enforce(ctx("2026-03-07T10:30"))
    own = s78_order_served_on("council")
    own.enforce(ctx("2026-03-07T10:30"))


def test_the_entry_notice_is_for_a_served_s78_order():
    """CJPOA 1994 s.78(3): the notice concerns entry under a s.78 order."""
    case = enforcing("s77")
    with pytest.raises(RuleRefused, match="serve the s.78 order first"):
        case.give_entry_notice(ctx("2026-03-03T15:00"))
