"""Suggestions and proposals: find households or people, propose, record answers,
introductions, approval, and the easy-read page for the person."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from shared_lives.auth.permissions import has_permission, require
from shared_lives.db import get_session
from shared_lives.errors import Conflict, NotFound, PermissionDenied, StaleRecord, ValidationError
from shared_lives.forms import field_error, page_number
from shared_lives.households.models import Household
from shared_lives.matches import adapter, easy_read, services, states
from shared_lives.matches.forms import (
    ApproveForm,
    CapacityForm,
    CarerAnswerForm,
    HouseholdResponseForm,
    IntroductionForm,
    LibertyForm,
    PersonResponseForm,
    ProposeForm,
    WithdrawForm,
)
from shared_lives.matches.models import (
    ANSWERS,
    CLOSE_REASONS,
    GIVEN_BY,
    INTRODUCTION_KINDS,
    INTRODUCTION_STATUSES,
    Introduction,
)
from shared_lives.people.models import Person
from shared_lives.records import whole_number
from shared_lives.rules import consent as consent_rules
from shared_lives.rules.age import age_on
from shared_lives.timeutil import today
from shared_lives.vocab.fixed import ARRANGEMENT_TYPES

bp = Blueprint("matches", __name__)

LABELS = {
    "statuses": states.STATUSES,
    "answers": ANSWERS,
    "reasons": CLOSE_REASONS,
    "given_by": GIVEN_BY,
    "kinds": INTRODUCTION_KINDS,
    "intro_statuses": INTRODUCTION_STATUSES,
    "types": ARRANGEMENT_TYPES,
    "capacity": consent_rules.CAPACITY_STATES,
    "outcomes": consent_rules.ASSESSMENT_OUTCOMES,
    "authority": consent_rules.AUTHORITY_KINDS,
    "consulted": consent_rules.CONSULTED,
}


def _int_arg(name):
    return whole_number(request.values.get(name))


@bp.get("/people/<id:person_id>/suggestions")
def person_suggestions(person_id: int):
    """'Find households': the shortlist for one person, and who is excluded and why."""
    out = services.suggestions_for_person(
        get_session(), current_user, person_id, request.args.get("excluded"), page_number()
    )
    return render_template("matches/person_suggestions.html", **out, labels=LABELS)


@bp.get("/households/<id:household_id>/suggestions")
def household_suggestions(household_id: int):
    """People waiting who might suit this household."""
    out = services.suggestions_for_household(
        get_session(), current_user, household_id, request.args.get("excluded"), page_number()
    )
    return render_template("matches/household_suggestions.html", **out, labels=LABELS)


@bp.get("/suggestions/scheme")
def scheme():
    """Scheme-wide optimal and stable proposals side by side. Read-only."""
    out = services.scheme_view(get_session(), current_user, again=request.args.get("again") == "1")
    if "job" in out:
        return render_template("matches/scheme_job.html", **out)
    return render_template("matches/scheme.html", **out)


@bp.get("/proposals")
def index():
    """Proposals: open ones first; carers see their own household's only."""
    if not (
        has_permission(current_user.role, "proposal:read") or has_permission(current_user.role, "own_proposal:read")
    ):
        raise PermissionDenied("proposal:read")
    status = request.args.get("status", "open")
    if status not in (*states.FILTERS, *states.STATUSES):
        status = "open"
    rows = services.list_proposals(get_session(), current_user, None if status == "all" else status)
    names = services.names_on_list(rows)
    return render_template(
        "matches/index.html", rows=rows, names=names, status=status, filters=states.FILTERS, labels=LABELS
    )


@bp.route("/proposals/new", methods=["GET", "POST"])
def new():
    """Propose a match from a shortlist, with a rationale."""
    require(current_user, "proposal:create")
    db = get_session()
    form = ProposeForm()
    person_id = _int_arg("person_id")
    household_id = _int_arg("household_id")
    person = db.get(Person, person_id) if person_id else None
    household = db.get(Household, household_id) if household_id else None
    if person is None or household is None:
        raise NotFound("Choose a person and a household from a shortlist.")
    if request.method == "GET":
        form.person_id.data = str(person.id)
        form.household_id.data = str(household.id)
        form.engine_run_id.data = request.args.get("run", "")
        form.arrangement_type.data = person.arrangement_type
    if form.validate_on_submit():
        try:
            proposal = services.create_proposal(
                db,
                current_user,
                person.id,
                household.id,
                form.rationale.data,
                form.arrangement_type.data,
                _int_arg("engine_run_id"),
                form.short_break_start.data,
                form.short_break_end.data,
            )
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash("Proposal recorded. Now ask each side what they think.", "success")
            return redirect(url_for("matches.detail", proposal_id=proposal.id))
    explanation = adapter.pair_explanation(db, person, household)
    services.record_view(db, current_user, request.endpoint, person_id=person.id, household_id=household.id)
    return render_template(
        "matches/new.html", form=form, person=person, household=household, explanation=explanation, labels=LABELS
    )


def _context(db, proposal):
    services.record_view(db, current_user, request.endpoint, proposal)
    person = db.get(Person, proposal.person_id)
    household = db.get(Household, proposal.household_id)
    return {
        "proposal": proposal,
        "person": person,
        "household": household,
        "responses": services.responses_of(db, proposal.id),
        "introductions": services.introductions_of(db, proposal.id),
        "labels": LABELS,
        "staff": has_permission(current_user.role, "proposal:read"),
        "age": age_on(person.date_of_birth, today()),
        "consent": services.consent_summary(db, proposal),
    }


@bp.get("/proposals/<id:proposal_id>")
def detail(proposal_id: int):
    """One proposal: both sides' answers, who decides, introductions and what happens next."""
    db = get_session()
    proposal = services.get_proposal(db, current_user, proposal_id)
    ctx = _context(db, proposal)
    ctx["blockers"] = services.approval_blockers(db, current_user, proposal)
    if ctx["staff"] and proposal.is_open:
        ctx["exclusions"] = services.proposal_exclusions(db, proposal)
    template = "matches/detail.html" if ctx["staff"] else "matches/carer_detail.html"
    return render_template(template, **ctx)


@bp.route("/proposals/<id:proposal_id>/respond/<any(person, household):side>", methods=["GET", "POST"])
def respond(proposal_id: int, side: str):
    """Record one side's answer. Carers may answer for their own household only."""
    role = current_user.role
    if not (
        has_permission(role, "proposal:respond")
        or (side == "household" and has_permission(role, "own_proposal:respond"))
    ):
        raise PermissionDenied("proposal:respond")
    db = get_session()
    proposal = services.get_proposal(db, current_user, proposal_id)
    if side == "person":
        form = PersonResponseForm()
    elif has_permission(role, "proposal:respond"):
        form = HouseholdResponseForm()
    else:
        form = CarerAnswerForm()
    if request.method == "GET":
        form.version.data = str(proposal.version)
    if form.validate_on_submit():
        try:
            services.record_response(
                db,
                current_user,
                proposal.id,
                side,
                form.decision.data,
                form.given_by.data if side == "person" else "carer",
                form.given_by_name.data,
                form.how_checked.data if side == "person" else "",
                form.reason.data or None,
                form.note.data,
                form.household_views.data if side == "household" else "",
                whole_number(form.version.data),
                **(form.consent() if side == "person" else {}),
            )
        except (ValidationError, StaleRecord) as exc:
            field_error(form, exc)
        else:
            flash("Answer recorded.", "success")
            return redirect(url_for("matches.detail", proposal_id=proposal.id))
    return render_template("matches/respond.html", form=form, side=side, **_context(db, proposal))


@bp.route("/proposals/<id:proposal_id>/introductions/new", methods=["GET", "POST"])
def new_introduction(proposal_id: int):
    """Plan or record an introduction (tea visit, day, overnight, weekend)."""
    require(current_user, "proposal:respond")
    db = get_session()
    proposal = services.get_proposal(db, current_user, proposal_id)
    form = IntroductionForm()
    if form.validate_on_submit():
        try:
            services.add_introduction(
                db,
                current_user,
                proposal.id,
                form.kind.data,
                form.planned_for.data,
                form.status.data,
                form.person_feedback.data,
                form.carer_feedback.data,
            )
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash("Meeting saved.", "success")
            return redirect(url_for("matches.detail", proposal_id=proposal.id))
    return render_template("matches/introduction.html", form=form, introduction=None, **_context(db, proposal))


@bp.route("/introductions/<id:introduction_id>", methods=["GET", "POST"])
def introduction(introduction_id: int):
    """Update a meeting: it happened (with both sides' feedback) or was cancelled."""
    require(current_user, "proposal:respond")
    db = get_session()
    intro = db.get(Introduction, introduction_id)
    if intro is None:
        raise NotFound("No such introduction.")
    proposal = services.get_proposal(db, current_user, intro.proposal_id)
    form = IntroductionForm(obj=intro)
    if form.validate_on_submit():
        try:
            services.update_introduction(
                db, current_user, intro.id, form.status.data, form.person_feedback.data, form.carer_feedback.data
            )
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash("Meeting updated.", "success")
            return redirect(url_for("matches.detail", proposal_id=proposal.id))
    return render_template("matches/introduction.html", form=form, introduction=intro, **_context(db, proposal))


@bp.route("/proposals/<id:proposal_id>/capacity", methods=["GET", "POST"])
def capacity(proposal_id: int):
    """Record an assessment of the person's capacity to make this proposal's decision."""
    require(current_user, "proposal:respond")
    db = get_session()
    proposal = services.get_proposal(db, current_user, proposal_id)
    form = CapacityForm()
    if request.method == "GET":
        kind = ARRANGEMENT_TYPES.get(proposal.arrangement_type, "").lower()
        form.decision.data = f"Whether to accept {kind} support from {db.get(Household, proposal.household_id).name}"
    if form.validate_on_submit():
        try:
            services.record_capacity_assessment(
                db,
                current_user,
                proposal.id,
                form.outcome.data,
                form.assessed_on.data,
                form.assessor_name.data,
                form.assessor_role.data,
                form.decision.data,
            )
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash("Capacity assessment recorded.", "success")
            return redirect(url_for("matches.detail", proposal_id=proposal.id))
    return render_template("matches/capacity.html", form=form, **_context(db, proposal))


@bp.route("/proposals/<id:proposal_id>/liberty", methods=["GET", "POST"])
def liberty(proposal_id: int):
    """Record whether a live-in plan may deprive the person of liberty, and its authorisation."""
    require(current_user, "proposal:respond")
    db = get_session()
    proposal = services.get_proposal(db, current_user, proposal_id)
    form = LibertyForm()
    if form.validate_on_submit():
        try:
            services.record_liberty(
                db,
                current_user,
                proposal.id,
                {"yes": True, "no": False}.get(form.needed.data),
                form.reference.data,
                form.expires_on.data,
            )
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash("Saved.", "success")
            return redirect(url_for("matches.detail", proposal_id=proposal.id))
    return render_template("matches/liberty.html", form=form, **_context(db, proposal))


@bp.route("/proposals/<id:proposal_id>/approve", methods=["GET", "POST"])
def approve(proposal_id: int):
    """A manager who did not propose the match approves it; the arrangement starts."""
    require(current_user, "proposal:approve")
    db = get_session()
    proposal = services.get_proposal(db, current_user, proposal_id)
    form = ApproveForm()
    status = 200
    if request.method == "GET":
        form.version.data = str(proposal.version)
        form.start_date.data = today()
    if form.validate_on_submit():
        try:
            arrangement = services.approve(
                db,
                current_user,
                proposal.id,
                form.start_date.data,
                whole_number(form.version.data),
            )
        except (ValidationError, Conflict, StaleRecord) as exc:
            db.rollback()
            services.record_refused_approval(db, current_user, proposal.id, exc)
            field_error(form, exc)
            status = 409 if isinstance(exc, Conflict | StaleRecord) else 200
        else:
            flash("Approved. The arrangement has started and its reviews are scheduled.", "success")
            return redirect(url_for("placements.detail", arrangement_id=arrangement.id))
    ctx = _context(db, proposal)
    ctx["blockers"] = services.approval_blockers(db, current_user, proposal)
    ctx["exclusions"] = services.proposal_exclusions(db, proposal) if proposal.is_open else []
    return render_template("matches/approve.html", form=form, **ctx), status


@bp.route("/proposals/<id:proposal_id>/withdraw", methods=["GET", "POST"])
def withdraw(proposal_id: int):
    """The scheme withdraws a proposal, with a no-blame reason. Nothing is deleted."""
    require(current_user, "proposal:create")
    db = get_session()
    proposal = services.get_proposal(db, current_user, proposal_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw_proposal(db, current_user, proposal.id, form.reason.data, form.note.data)
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash("Proposal withdrawn. The person is still waiting.", "success")
            return redirect(url_for("matches.detail", proposal_id=proposal.id))
    return render_template("matches/withdraw.html", form=form, **_context(db, proposal))


@bp.get("/proposals/<id:proposal_id>/easy-read")
def easy_read_page(proposal_id: int):
    """A printable easy-read page for the person, in plain words and large type."""
    require(current_user, "proposal:read")
    db = get_session()
    proposal = services.get_proposal(db, current_user, proposal_id)
    services.record_view(db, current_user, request.endpoint, proposal)
    return render_template("matches/easy_read.html", page=easy_read.page_for(db, proposal))
