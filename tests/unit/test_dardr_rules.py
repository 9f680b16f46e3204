"""DARDR statutory fidelity (issue 14): given events -> when command -> then events (or error).

Each rule's test cites its source as read: the Domestic Violence, Crime and Victims Act 2004 s.9
(legislation.gov.uk cross-heading "Domestic homicide reviews"), the Home Office "Multi-agency
Statutory Guidance for the Conduct of Domestic Homicide Reviews" (December 2016) and the 2024
consultation draft, as summarised with their sources in /work/shared/reference/dardr-research.md.
"""

from __future__ import annotations

from domain.dardr import RULES, national_policy
from domain.errors import RuleRefused
from domain.policy import BASIS_KINDS
from tests.unit.dardr_helpers import PSEUDONYM, Given, event_names, of_type, refused

# --------------------------------------------------------------------------- item 2: closing duties


def published() -> Given:
    return Given.notified().up_to("published")


class TestClosingChecksTheDuties:
    def test_closing_without_the_commissioner_copy_is_refused(self) -> None:
        """DVCVA 2004 s.9(3B) (inserted by the Domestic Abuse Act 2021 s.17): the body that
        establishes a review "must send a copy of any report setting out the conclusions" to the
        Domestic Abuse Commissioner "as soon as reasonably practicable after the report is
        completed". Given a published review whose copy was never sent, closing is refused."""
        given = published()
        given.do("notify_home_office", "2026-10-02")
        err = refused(given, "close", "2026-10-10", "review complete", error=RuleRefused,
                      field="reason")
        assert "Domestic Abuse Commissioner (DVCVA 2004 s.9(3B)) has not been sent" in err.message
        assert "Home Office" not in err.message

    def test_closing_when_the_home_office_was_never_told_is_refused(self) -> None:
        """Statutory guidance (2016): the CSP informs the Home Office of its decision whether to
        hold a review. Given a published review whose decision was never notified, closing is
        refused."""
        given = published()
        given.do("send_commissioner_copy", "2026-10-02")
        err = refused(given, "close", "2026-10-10", "review complete", error=RuleRefused,
                      field="reason")
        assert "the Home Office was never told of the decision" in err.message
        assert "Commissioner" not in err.message

    def test_closing_with_a_reason_records_each_duty_left_undone(self) -> None:
        """s.9(3B) and the statutory guidance: with a recorded reason the review closes, and
        each undone duty is recorded (with the reason) rather than cancelled silently."""
        given = published()
        events = given.do("close", "2026-10-10", "review complete",
                          reason="copy sent by the chair's office; not logged here")
        assert event_names(events)[0] == "CaseClosed"
        undone = of_type(events, "DutyOutstandingAtClosure")
        assert [e.duty for e in undone] == ["commissioner-copy", "home-office-notification"]
        assert all(e.reason == "copy sent by the chair's office; not logged here" for e in undone)
        assert undone[0].basis.startswith("statute: DVCVA 2004 s.9(3B)")
        # the fact comes before the deadline's cancellation
        names = event_names(events)
        assert names.index("DutyOutstandingAtClosure") < names.index("DeadlineCancelled")
        assert given.then().deadlines["commissioner-copy"].status == "cancelled"

    def test_closing_with_every_duty_done_records_none(self) -> None:
        """s.9(3B) and the statutory guidance: nothing to record when the duties were done."""
        given = published().duties_done()
        events = given.do("close", "2026-10-10", "review complete")
        assert of_type(events, "DutyOutstandingAtClosure") == []
        review = given.then()
        assert review.stage == "closed"
        assert review.deadlines["commissioner-copy"].status == "met"

    def test_the_refusal_never_repeats_personal_data(self) -> None:
        """Personal data (the pseudonym) never appears in an error."""
        err = refused(published(), "close", "2026-10-10", "review complete", error=RuleRefused)
        assert PSEUDONYM not in err.message


# --------------------------------------------------------------------------- item 8: draft labels


class TestDraftGuidanceLabels:
    def test_the_2024_draft_completion_clock_is_labelled_not_in_force(self) -> None:
        """The 2024 DARDR guidance is a consultation draft, not in force (dardr-research.md; the
        2016 guidance is the one s.9(3) requires regard to): its 12-month clock carries the kind
        'draft guidance (not in force)' and says it is adopted only as local policy."""
        clock = national_policy("dardr-2024-draft").clocks["review-completion"]
        assert clock.basis.kind == "draft guidance (not in force)"
        assert "adopted as local policy" in clock.basis.reference
        assert national_policy("dhr-2016").clocks["review-completion"].basis.kind == "statutory guidance"

    def test_the_scoping_review_step_is_labelled_not_in_force(self) -> None:
        """The Scoping Review exists only in the 2024 consultation draft, not in force."""
        from domain.dardr import DEFINITION

        basis = DEFINITION.transitions["complete-scoping-review"].basis
        assert basis.kind == "draft guidance (not in force)"


def test_every_dardr_rule_has_a_known_basis_kind_and_a_unique_name() -> None:
    """issue 14 item 1: every rule the engine enforces names its source's kind."""
    assert RULES and all(r.case_type == "dardr" for r in RULES)
    assert all(r.basis.kind in BASIS_KINDS for r in RULES)
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
