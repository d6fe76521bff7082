"""The access module: the single way in to protected records.

Rules, in one place so they can be reviewed in one read:

1. Nobody inactive or anonymous sees anything.
2. Model-wide sight comes only from a model-level ``view_<model>`` permission held through a
   role group (``register_global_permissions``). On case content only the coordinator role
   holds one: case content is every ProtectedQuerySet model (person, referral, Channel case)
   and every model with a foreign key, directly or in a chain, to one (chronology, consents,
   grants, agenda items...; ``accounts.checks.protected_models``). Model-wide rights on other
   models are allowed where they name no one: managers and the panel chair read training's
   organisational figures, the system administrator edits configuration and accounts. The
   database system check ``accounts.E001`` (``manage.py check --database default``, also run
   by ``migrate`` and after its role-group sync) fails when any other group, or any user
   directly, holds ``view_`` or ``change_`` on case content. Superuser status is ignored: it
   grants no sight of case content.
3. Members of an agency in a case role (coordinator, panel chair, panel member, SPOC) see
   the records their agency owns: a plain indexed filter on the owning agency.
4. A record may name users who see it by being who they are (the referrer of a referral),
   only while they hold an active membership in the role that made them so, at the agency
   the record names (a referrer who has left the agency no longer sees what they referred).
5. Everything else is an explicit, audited guardian grant (direct foreign-key object
   permission) to a named user or to an agency's group, live until its expiry.
6. A record may name users who see it by a role they hold towards it, which another app
   registers (``register_role_reach``): the chair of a Channel Panel meeting, while they
   hold the panel chair role, sees the referrals and cases on that meeting's agenda (the
   chair approves adoption, support plans and closure). Only the meeting's own chair: not
   every panel chair, not the chair of another panel.
7. Council areas (prevent_portal/areas): a role is held in the areas its agency serves (a
   council's own agency serves one; a partner may serve several). Model-wide sight (rule 2)
   reaches only the records of the areas where the user holds the role that gives it: the
   Coordinator of one council sees every case of that council's area and none of another's.
   A model with a model-wide permission must say where its area is (``area_field``, default
   ``"area"``); the system check ``areas.E001`` fails when one does not.
8. Nothing is seen or acted on outside the areas the user works in (``area_ids_for(user)``:
   every area where they hold any role), whichever of rules 2-6 lets them in: a referral
   transferred to another council, a record of an area the user's agency no longer serves,
   a grant made before it stopped. That set is also what the database wall lets a request
   read (prevent_portal/areas/middleware.py asks ``wall_area_ids``), so the access module
   and the wall agree by construction, and with the wall off (SQLite, ``AREA_RLS=false``)
   the access module alone still keeps areas apart. One helper applies it
   (``in_areas_of``, and ``record_in_areas_of`` for one record); every ``visible_to`` and
   ``actions_for`` passes through it (tests/areas/test_access_matches_wall.py walks every
   area-owned model and persona of a two-area world). Within that bound, what a role gives
   through an agency (rule 3's own agency, rule 4's owner fields, rule 5's agency group
   grants) reaches only the areas that agency serves now, and rule 6's reach only the areas
   where its role is held: a second membership elsewhere does not carry one agency's reach
   into another's areas (``through_agencies_q``; tests/areas/test_access_per_agency_area.py).

Not visible gives 404; visible but not allowed to act gives 403.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone

from prevent_portal.accounts.models import AGENCY_CASE_ROLES, Membership, Role, User
from prevent_portal.core.compiled import CompiledPerId

_CACHE_ATTR = "_prevent_access_cache"

# role -> {"app_label.codename", ...}: the only model-level permissions any role group holds.
_GLOBAL_PERMISSIONS: dict[str, set[str]] = defaultdict(set)


def register_global_permissions(role: str, perms: Iterable[str]) -> None:
    """Give a role group model-wide permissions. Apps call this from AppConfig.ready()."""
    _GLOBAL_PERMISSIONS[role].update(perms)


def registered_global_permissions() -> dict[str, set[str]]:
    return {role: set(perms) for role, perms in _GLOBAL_PERMISSIONS.items()}


# "app_label.model" -> [(role, lookup to a user), ...]: rule 6.
_ROLE_REACH: dict[str, list[tuple[str, str]]] = defaultdict(list)


def register_role_reach(model: type[models.Model], role: str, lookup: str) -> None:
    """Rule 6: a user holding ``role`` sees the records of ``model`` whose ``lookup`` (a
    relation path ending at a user) is them. Apps call this from AppConfig.ready(), so the
    access module names no app."""
    entry = (role, lookup)
    if entry not in _ROLE_REACH[model._meta.label_lower]:
        _ROLE_REACH[model._meta.label_lower].append(entry)


def _role_reach_of(model: type[models.Model], user: User) -> list[tuple[str, str]]:
    """The rule-6 ``(role, lookup)`` pairs that apply to ``user`` (roles they hold now); each
    reaches only the records of the areas where they hold that role."""
    roles = _cache(user).roles
    reach = _ROLE_REACH.get(model._meta.label_lower, [])
    return [(role, lookup) for role, lookup in reach if role in roles]


def _reached(
    records: models.QuerySet, lookup: str, user: User, among: tuple | None = None
) -> models.QuerySet:
    """Rule 6's branch of a scope: the primary keys of ``records`` (already bounded to the
    areas where the role is held) whose ``lookup`` is ``user``, as one column of ids.

    A reach runs through a to-many relation (a chair reaches a referral through every
    agenda item it was on), so the ids are read from that relation's own foreign key and
    de-duplicated before they meet the records: 2,943 agenda items of a chair's meetings
    were 2,943 primary-key probes of the referrals table and, duplicated, misled the planner
    into a nested loop (70 ms of the chair's home page at scale 1). The records are still
    read, for their own area: a referral on an agenda the user chaired may since have moved
    to another area (review18). ``among``: the records wanted (``among()``); the relation's
    rows are then read for them alone where they hold the records' own ids (the chair's 50
    agenda referrals were matched against the 2,943 items of every meeting they chaired)."""
    model, path = records.model, lookup.split("__")
    for step, name in enumerate(path[:-1]):
        field = model._meta.get_field(name)
        if not field.is_relation:
            break
        if field.one_to_many and field.field.target_field == model._meta.pk:
            # ``name`` is a reverse foreign key: its table holds the ids of ``model``.
            through = {"__".join(path[step + 1 :]): user, f"{field.field.attname}__isnull": False}
            if among is not None and step == 0:
                through[f"{field.field.attname}__in"] = among
            ids = (
                field.related_model._base_manager.filter(**through)
                .order_by()
                .values(field.field.attname)
                .distinct()
            )
            through_path = "__".join(path[:step])
            return records.filter(**{f"{through_path}__in" if step else "pk__in": ids}).values("pk")
        model = field.related_model
    return records.filter(**{lookup: user}).values("pk").distinct()


def role_group_name(role: str) -> str:
    return f"role:{role}"


class _AccessCache:
    """What one user's checks need, loaded once per user object (one request)."""

    def __init__(self, user: User, rows=None, perms=None):
        # One row per membership and area its agency serves (an agency serving no area
        # gives a row with area None: its roles reach no area-owned record by rule 7).
        # ``rows`` and ``perms`` are given when many users' caches are loaded at once
        # (``prime``), with the same content as the queries here.
        if rows is None:
            rows = _MEMBERSHIP_ROWS.rows(user.pk)
        self.roles: set[str] = {role for _, _, role, _ in rows}
        self.roles_by_agency: dict[int, set[str]] = defaultdict(set)
        self.area_ids_by_role: dict[str, set[int]] = defaultdict(set)
        # The areas each agency serves now: what it owns elsewhere (a record of an area it
        # stopped serving) its members do not see through it (rule 8, per agency).
        self.area_ids_by_agency: dict[int, set[int]] = defaultdict(set)
        self.case_agency_ids: set[int] = set()
        self.agency_by_case_group: dict[int, int] = {}
        for agency_id, group_id, role, area_id in rows:
            self.roles_by_agency[agency_id].add(role)
            if area_id is not None:
                self.area_ids_by_role[role].add(area_id)
                self.area_ids_by_agency[agency_id].add(area_id)
            if role in AGENCY_CASE_ROLES:
                self.case_agency_ids.add(agency_id)
                self.agency_by_case_group[group_id] = agency_id
        # Model-level permissions through groups and direct assignment, never via superuser.
        if perms is None:
            perms = _PERMISSIONS.rows(user.pk)
        self.global_perms: set[str] = {f"{app}.{codename}" for app, codename in perms}


def _group_permission_ids(user_id: int) -> models.QuerySet:
    """The ids of the permissions user ``user_id``'s groups hold. A subquery of its own: an
    OR of the group and user joins made PostgreSQL join every user's group memberships (5,001
    rows at scale 1) to filter them afterwards, 1.4-5.6 ms on every request."""
    groups = User.groups.through.objects.filter(user_id=user_id).values("group_id")
    held = Permission.group_set.through.objects.filter(group__in=groups)
    return held.values("permission_id")


def _direct_permission_ids(user_id: int) -> models.QuerySet:
    """The ids of the permissions held by user ``user_id`` directly."""
    through = User.user_permissions.through
    return through.objects.filter(user_id=user_id).values("permission_id")


def _membership_rows(memberships: models.QuerySet, *first: str) -> models.QuerySet:
    """The active memberships' rows an access cache is built from (``first``: columns to
    put before them)."""
    return memberships.active().values_list(
        *first, "agency_id", "agency__group_id", "role", "agency__areas"
    )


def _permissions(user_id: int) -> models.QuerySet:
    """The model-level permissions ``user_id`` holds through groups and directly, never via
    superuser, as (app label, codename)."""
    return Permission.objects.filter(
        Q(pk__in=_group_permission_ids(user_id)) | Q(pk__in=_direct_permission_ids(user_id))
    ).values_list("content_type__app_label", "codename")


# Every request reads these two for its user: compiled once, run with the user's id
# (prevent_portal/core/compiled.py; about 1.3 ms of every page's CPU was their compiling).
_MEMBERSHIP_ROWS = CompiledPerId(
    lambda user_id: _membership_rows(Membership.objects.filter(user_id=user_id))
)
_PERMISSIONS = CompiledPerId(_permissions)


def _cache(user: User) -> _AccessCache:
    cache = getattr(user, _CACHE_ATTR, None)
    if cache is None:
        cache = _AccessCache(user)
        setattr(user, _CACHE_ATTR, cache)
    return cache


def prime(users: Iterable[User]) -> None:
    """Load the access caches of many users at once: three queries, whatever their number,
    instead of two per user (the reminder sweep checks hundreds of recipients). Each cache
    holds what the user's own load would; users already loaded are left as they are."""
    pending = {u.pk: u for u in users if is_active_user(u) and not hasattr(u, _CACHE_ATTR)}
    if not pending:
        return
    ids = sorted(pending)
    rows: dict[int, list[tuple]] = defaultdict(list)
    for user_id, *row in _membership_rows(Membership.objects.filter(user__in=ids), "user_id"):
        rows[user_id].append(tuple(row))
    perms: dict[int, set[tuple[str, str]]] = defaultdict(set)
    names = ("content_type__app_label", "codename")
    for through in ("group__user", "user"):
        held = Permission.objects.filter(**{f"{through}__in": ids}).values_list(through, *names)
        for user_id, app, codename in held:
            perms[user_id].add((app, codename))
    for pk, user in pending.items():
        setattr(user, _CACHE_ATTR, _AccessCache(user, rows[pk], perms[pk]))


def forget(user: User) -> None:
    """Drop the cached roles of a user object after its memberships change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_active_user(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def roles_of(user) -> set[str]:
    """The roles a user holds through active memberships of active agencies."""
    if not is_active_user(user):
        return set()
    return set(_cache(user).roles)


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def agency_ids_for(user, roles: Iterable[str] | None = None) -> set[int]:
    """Agencies where the user holds any of ``roles`` (default: the case roles)."""
    if not is_active_user(user):
        return set()
    cache = _cache(user)
    if roles is None:
        return set(cache.case_agency_ids)
    wanted = set(roles)
    return {a for a, held in cache.roles_by_agency.items() if held & wanted}


def area_ids_for(user, roles: Iterable[str] | None = None) -> set[int]:
    """The council areas where the user holds any of ``roles`` (default: any role): the
    areas their agencies serve (rule 7)."""
    if not is_active_user(user):
        return set()
    cache = _cache(user)
    wanted = set(cache.area_ids_by_role) if roles is None else set(roles)
    return set().union(*(cache.area_ids_by_role.get(role, set()) for role in wanted))


def wall_area_ids(user) -> set[int]:
    """The council areas ``user`` works in (rule 8): what the database wall lets their
    requests read, and the bound of everything the access module gives them."""
    return area_ids_for(user)


def in_areas_of(queryset: models.QuerySet, user, area_field: str = "area") -> models.QuerySet:
    """Rule 8 on a list: ``queryset`` limited to the rows whose area (``area_field``, a field
    path ending at an Area) is one the user works in, as the database wall limits it."""
    areas = sorted(wall_area_ids(user))
    if not areas:
        return queryset.none()
    return queryset.filter(**{f"{area_field}__in": areas})


def _record_area(obj: models.Model, area_field: str) -> int | None:
    """The area id of one record along ``area_field`` (a field path ending at an Area); as
    ``grants.record_area_id``, which finds the path itself (grants imports this module)."""
    *path, last = area_field.split("__")
    for part in path:
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


def record_in_areas_of(obj: models.Model, user, area_field: str = "area") -> bool:
    """Rule 8 on one record: its area is one the user works in."""
    return _record_area(obj, area_field) in wall_area_ids(user)


def works_in_several_areas(user) -> bool:
    """Whether ``user`` holds roles in more than one council area (a partner serving two
    councils): the pages that list records then name each one's area."""
    return len(area_ids_for(user)) > 1


def acting_area(user, roles: Iterable[str]):
    """The one council area in which ``user`` acts in one of ``roles`` (a Coordinator
    scheduling a meeting, importing referrals): a council role is held in one area. Raises
    ``PermissionDenied`` when they hold the roles in none, or in several, so that no record
    is filed in an area nobody chose."""
    from prevent_portal.areas.models import Area

    areas = area_ids_for(user, roles)
    if len(areas) != 1:
        raise PermissionDenied("You act for more than one council area, or none")
    return Area.objects.get(pk=areas.pop())


def global_perm_area_ids(user, perm: str) -> set[int]:
    """The areas where ``user`` holds a role whose group gives the model-wide ``perm``: the
    reach of rule 2 under rule 7."""
    if not is_active_user(user):
        return set()
    cache = _cache(user)
    roles = [role for role in cache.roles if perm in _GLOBAL_PERMISSIONS.get(role, ())]
    return area_ids_for(user, roles)


def _model_wide_everywhere(user, perm: str) -> bool:
    """Whether ``user``'s model-wide ``perm`` (rule 2) reaches every area they work in
    (rule 8): then every record rule 8 lets through is theirs to ``perm``, and nothing else
    is."""
    if not has_global_perm(user, perm):
        return False
    everywhere = wall_area_ids(user)
    return bool(everywhere) and everywhere <= global_perm_area_ids(user, perm)


# The scopes built during the current request (``scopes_per_request``); None outside one.
_REQUEST_SCOPES: ContextVar[dict | None] = ContextVar("prevent_access_scopes", default=None)


@contextmanager
def scopes_per_request() -> Iterator[None]:
    """Within one request, build each user's scope of a model once (``_built_once``).

    A page asks ``visible_to`` 10-20 times, mostly of the same few models, and building the
    scope's union cost a few milliseconds each time (docs/performance.md, "Per-request
    cost"). What is kept is the unevaluated subquery: it reads the grant tables each time
    it runs, so a grant made during the request is seen; only the instant a grant must be
    live at (``live_grant_q``) is that of the first build, milliseconds earlier.
    Nothing is kept past the request: the middleware (``AccessScopesMiddleware``) opens and
    closes it, and outside a request (tasks, commands, tests calling the access module
    directly) every call builds its own."""
    token = _REQUEST_SCOPES.set({})
    try:
        yield
    finally:
        _REQUEST_SCOPES.reset(token)


def _compiled(scope: models.QuerySet) -> RawSQL:
    """``scope`` as the SQL it compiles to, compiled once. Kept as a queryset, the union was
    resolved into each query that used it and compiled again with that query: a case page
    compiled the case manager's scopes six times, each union of four to six branches (about
    a fifth of the page's CPU). The statement PostgreSQL receives is the same but for the
    subquery's table aliases."""
    sql, params = scope.query.sql_with_params()
    return RawSQL(sql, params)  # noqa: S611 # nosec B611 # reviewed: the ORM compiled it


def _built_once(user, queryset: models.QuerySet, action: str, build: Callable[[], models.QuerySet]):
    """``build()``, or the scope built for the same user object, model, queryset class and
    action earlier in this request. Keyed by the user's access cache (one per user object,
    dropped by ``forget``), so no scope passes between users or outlives a change of
    roles."""
    built = _REQUEST_SCOPES.get()
    if built is None:
        return build()
    key = (_cache(user), queryset.model, type(queryset), action)
    if key not in built:
        built[key] = build()
    return built[key]


def _by_served_areas(cache: _AccessCache, agency_ids: Iterable[int]) -> list[tuple[list, list]]:
    """``agency_ids`` grouped by the areas each serves now: ``[(agencies, areas), ...]``,
    one pair per distinct set of areas (usually one), agencies serving none left out."""
    grouped: dict[frozenset[int], list[int]] = defaultdict(list)
    for agency_id in sorted(set(agency_ids)):
        areas = cache.area_ids_by_agency.get(agency_id)
        if areas:
            grouped[frozenset(areas)].append(agency_id)
    return sorted((agencies, sorted(areas)) for areas, agencies in grouped.items())


def through_agencies_q(
    user, roles: Iterable[str] | None, agency_field: str, area_field: str = "area"
) -> Q:
    """Rules 3 and 4 under rule 8, per agency: the records whose ``agency_field`` is an
    agency where ``user`` holds one of ``roles`` (default: the case roles), **in an area that
    agency serves now**. Bounding by every area the user works in is not enough: a SPOC of
    an agency that stopped serving an area, who also holds any role there through another
    agency (a seconded officer, a regional lead with a council role), would see what the
    first agency still owns in it. Matches nothing when there is no such agency."""
    if not is_active_user(user):
        return Q(pk__in=[])
    cache = _cache(user)
    found = Q(pk__in=[])
    for agencies, areas in _by_served_areas(cache, agency_ids_for(user, roles)):
        found |= Q(**{f"{agency_field}__in": agencies, f"{area_field}__in": areas})
    return found


def serves_through(user, roles: Iterable[str] | None, agency_id, area_id) -> bool:
    """One record's ``through_agencies_q``: ``user`` holds one of ``roles`` at ``agency_id``
    and that agency serves ``area_id`` now."""
    if not is_active_user(user) or agency_id not in agency_ids_for(user, roles):
        return False
    return _agency_serves(_cache(user), agency_id, area_id)


def _agency_serves(cache: _AccessCache, agency_id, area_id) -> bool:
    return area_id is not None and area_id in cache.area_ids_by_agency.get(agency_id, ())


def _agencies_holding(cache: _AccessCache, role: str) -> list[int]:
    """The agencies where the cached user holds ``role`` through an active membership."""
    return sorted(a for a, held in cache.roles_by_agency.items() if role in held)


def has_global_perm(user, perm: str) -> bool:
    """Model-wide permission held through a role group; superuser status does not count."""
    if not is_active_user(user):
        return False
    return perm in _cache(user).global_perms


def _perm_name(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def live_grant_q() -> Q:
    """A grant is live from its start (if it has one) until its expiry (if it has one)."""
    now = timezone.now()
    return (Q(starts_at__isnull=True) | Q(starts_at__lte=now)) & (
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


class ProtectedQuerySet(models.QuerySet):
    """Base queryset for every protected model.

    A subclass names ``agency_field`` (the owning agency) and may name ``owner_fields``:
    ``{user foreign key: (role, agency foreign key)}``, the user named sees the record while
    they hold an active membership in that role at the agency the record names (rule 4). The
    model declares direct foreign-key guardian grant models with ``related_name="user_grants"``
    and ``"group_grants"``.
    """

    agency_field: str = "owning_agency"
    # Where the record's council area is (rule 7): a field path ending at an Area.
    area_field: str = "area"
    owner_fields: dict[str, tuple[str, str]] = {}
    # The primary keys ``among`` narrowed the queryset to (None: not narrowed).
    _scope_among: tuple | None = None

    def _clone(self):
        clone = super()._clone()
        clone._scope_among = self._scope_among
        return clone

    def among(self, pks: Iterable) -> ProtectedQuerySet:
        """Only the records whose primary key is in ``pks``; said before ``visible_to``, the
        scope is then read for those records alone, each branch of its union bounded by
        them, instead of for everything the user may see (a chair's 50 agenda referrals were
        matched against the 3,500 referrals of the area their reach read: 12 of the page's
        30 ms of SQL). The rows are those of ``visible_to(user).filter(pk__in=pks)``."""
        wanted = set(pks)
        if self._scope_among is not None:
            wanted &= set(self._scope_among)
        clone = self.filter(pk__in=sorted(wanted))
        clone._scope_among = tuple(sorted(wanted))
        return clone

    def visible_to(self, user: User) -> ProtectedQuerySet:
        """Records ``user`` may see (rules 1-8 of this module), and nothing else."""
        return self._with_action(user, "view")

    def in_areas_of(self, user: User) -> ProtectedQuerySet:
        """Rule 8: the records of the areas ``user`` works in (what the wall lets through)."""
        return in_areas_of(self, user, self.area_field)

    def _with_action(self, user: User, action: str) -> ProtectedQuerySet:
        if not is_active_user(user):
            return self.none()
        # Rule 8 bounds every branch of the scope at once.
        bounded = self.in_areas_of(user)
        if _model_wide_everywhere(user, _perm_name(self.model, action)):
            # Rule 2 already reaches every record rule 8 lets through (a Coordinator working
            # in their own council's area alone): the other branches can add nothing, so the
            # scope is the area filter itself. Building and compiling the union for nothing
            # cost a few milliseconds a query, 10-20 times a page (docs/performance.md,
            # "Per-request cost"). A plain area filter, not ``pk IN (... UNION ALL ...)``, also
            # lets PostgreSQL walk an index in a list's order and read one page, instead of
            # every row of the area and a primary-key probe for each (branch list18).
            return bounded
        if self._scope_among is not None:
            # Built for these records alone: not kept for the rest of the request.
            return bounded.filter(pk__in=self._scope_ids(user, action, self._scope_among))
        scope = _built_once(user, self, action, lambda: _compiled(self._scope_ids(user, action)))
        return bounded.filter(pk__in=scope)

    def _scope_ids(self, user: User, action: str, among: tuple | None = None) -> models.QuerySet:
        """The primary keys ``user`` may ``action``: one ``UNION ALL`` of a branch per rule
        (model-wide within the user's areas, own agencies, owner fields, live user grants,
        live agency group grants).

        One ``pk IN (… UNION ALL …)`` rather than an OR of the same conditions: PostgreSQL
        cannot turn an OR holding a subquery into index scans, so the OR read every row of the
        table and the scope's cost grew with other agencies' data (docs/performance.md, miss 2).
        Each branch here is an index range scan, and the semi-join needs no de-duplication.
        ``among``: the primary keys wanted (``among()``), which bound every branch.
        """
        cache = _cache(user)
        records = self.model._base_manager.order_by()
        granted: dict = {}
        if among is not None:
            records = records.filter(pk__in=among)
            granted = {"content_object_id__in": among}
        branches: list[models.QuerySet] = []
        perm = _perm_name(self.model, action)
        if perm in cache.global_perms:
            # Rule 7: model-wide, within the areas where the role giving it is held.
            areas = sorted(global_perm_area_ids(user, perm))
            branches.append(records.filter(**{f"{self.area_field}__in": areas}).values("pk"))
        area_in = f"{self.area_field}__in"
        if action == "view":
            # Rules 3, 4 and 6 each within the areas of the agency or role that gives them
            # (rule 8 per agency: ``through_agencies_q``), one branch per set of areas.
            for agencies, areas in _by_served_areas(cache, cache.case_agency_ids):
                agency_filter = {f"{self.agency_field}__in": agencies, area_in: areas}
                branches.append(records.filter(**agency_filter).values("pk"))
            for field, (role, agency_field) in self.owner_fields.items():
                for agencies, areas in _by_served_areas(cache, _agencies_holding(cache, role)):
                    owned = {field: user, f"{agency_field}__in": agencies, area_in: areas}
                    branches.append(records.filter(**owned).values("pk"))
            for role, lookup in _role_reach_of(self.model, user):
                areas = sorted(cache.area_ids_by_role.get(role, ()))
                if areas:
                    reached = _reached(records.filter(**{area_in: areas}), lookup, user, among)
                    branches.append(reached)
        codename = f"{action}_{self.model._meta.model_name}"
        user_grants = self.model.user_grants.rel.related_model
        group_grants = self.model.group_grants.rel.related_model
        branches.append(
            user_grants.objects.filter(
                live_grant_q(), user=user, permission__codename=codename, **granted
            )
            .order_by()
            .values("content_object_id")
        )
        # An agency's group grant reaches records of the areas that agency serves now.
        agency_groups = {a: g for g, a in cache.agency_by_case_group.items()}
        for agencies, areas in _by_served_areas(cache, agency_groups):
            branches.append(
                group_grants.objects.filter(
                    live_grant_q(),
                    group_id__in=sorted(agency_groups[a] for a in agencies),
                    permission__codename=codename,
                    **{f"content_object__{area_in}": areas},
                    **granted,
                )
                .order_by()
                .values("content_object_id")
            )
        first, *rest = branches
        return first.union(*rest, all=True) if rest else first


def actions_for(user: User, obj: models.Model) -> set[str]:
    """What ``user`` may do to one visible record: model-wide permissions, the agency role
    actions the model declares (``AGENCY_ROLE_ACTIONS``), and live grants."""
    if not is_active_user(user):
        return set()
    model = type(obj)
    cache = _cache(user)
    prefix = f"{model._meta.app_label}."
    suffix = f"_{model._meta.model_name}"
    queryset_class = type(model._default_manager.get_queryset())
    # Rule 8: nothing on a record of an area the user does not work in, whatever else holds.
    if not record_in_areas_of(obj, user, getattr(queryset_class, "area_field", "area")):
        return set()
    # Rule 7: a model-wide permission acts only on records of the areas where it is held.
    area_attr = f"{getattr(queryset_class, 'area_field', 'area')}_id"
    actions = {
        p[len(prefix) : -len(suffix)]
        for p in cache.global_perms
        if p.startswith(prefix)
        and p.endswith(suffix)
        and (
            not hasattr(obj, area_attr) or getattr(obj, area_attr) in global_perm_area_ids(user, p)
        )
    }
    # Rules 3, 4, 5 (agency groups) and 6 act only through an agency serving the record's
    # area, or a role held there (rule 8 per agency, as ``_scope_ids``).
    record_area = _record_area(obj, getattr(queryset_class, "area_field", "area"))
    agency_id = getattr(obj, f"{queryset_class.agency_field}_id", None)
    role_actions: dict[str, set[str]] = getattr(model, "AGENCY_ROLE_ACTIONS", {})
    if _agency_serves(cache, agency_id, record_area):
        for role in cache.roles_by_agency.get(agency_id, set()):
            if role in AGENCY_CASE_ROLES:
                actions.add("view")
            actions |= role_actions.get(role, set())
    for field, (role, agency_field) in queryset_class.owner_fields.items():
        owner_agency = getattr(obj, f"{agency_field}_id", None)
        if (
            getattr(obj, f"{field}_id", None) == user.pk
            and owner_agency in _agencies_holding(cache, role)
            and _agency_serves(cache, owner_agency, record_area)
        ):
            actions.add("view")
    reach = [
        lookup
        for role, lookup in _role_reach_of(model, user)
        if record_area in cache.area_ids_by_role.get(role, ())
    ]
    if reach and "view" not in actions:
        reached = Q()
        for lookup in reach:
            reached |= Q(**{lookup: user})
        if model._base_manager.filter(reached, pk=obj.pk).exists():
            actions.add("view")
    grants = list(
        obj.user_grants.filter(live_grant_q(), user=user).values_list(
            "permission__codename", flat=True
        )
    )
    serving_groups = sorted(
        group
        for group, agency in cache.agency_by_case_group.items()
        if _agency_serves(cache, agency, record_area)
    )
    if serving_groups:
        grants += list(
            obj.group_grants.filter(live_grant_q(), group_id__in=serving_groups).values_list(
                "permission__codename", flat=True
            )
        )
    actions |= {codename[: -len(suffix)] for codename in grants if codename.endswith(suffix)}
    # A model may add actions that depend on the record itself (its case manager, say), for
    # users who see it at all.
    extra = getattr(obj, "extra_actions_for", None)
    if extra is not None and "view" in actions:
        actions |= extra(user)  # nosec B610 # reviewed: extra_actions_for, not QuerySet.extra
    return actions


def the_one(queryset: models.QuerySet) -> models.Model | None:
    """The record of ``queryset`` already narrowed to one primary key, or None: every
    single-record fetch through ``visible_to`` reads it this way. Not ``first()``: its
    ``ORDER BY ... LIMIT 1`` made PostgreSQL weigh fast-start plans for every join order of
    a detail page's ``select_related`` and the scope, planning four times as long for the
    same single row (13 ms of the case page at scale 1; docs/performance.md, "Per-request
    cost")."""
    for obj in queryset.order_by():
        return obj
    return None


def get_object_for_user(queryset: ProtectedQuerySet, user: User, pk, *, perm: str = "view"):
    """Fetch one record: 404 if ``user`` may not see it, 403 if they see it but ``perm``
    (an action such as "change" or "share") is not theirs."""
    obj = the_one(queryset.visible_to(user).filter(pk=pk))
    if obj is None:
        raise Http404("No such record")
    if perm != "view" and perm not in actions_for(user, obj):
        raise PermissionDenied
    return obj


def require_role(user, *roles: str) -> None:
    """403 unless the user holds one of ``roles`` (for pages that show no record)."""
    if not has_role(user, *roles):
        raise PermissionDenied


__all__ = [
    "ProtectedQuerySet",
    "Role",
    "actions_for",
    "agency_ids_for",
    "area_ids_for",
    "in_areas_of",
    "record_in_areas_of",
    "wall_area_ids",
    "works_in_several_areas",
    "get_object_for_user",
    "has_global_perm",
    "has_role",
    "register_global_permissions",
    "register_role_reach",
    "require_role",
    "roles_of",
    "the_one",
    "serves_through",
    "through_agencies_q",
]
