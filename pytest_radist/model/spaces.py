"""Spaces: persistent rooms with a slug, an access type and a host token."""

from __future__ import annotations

import re
from typing import Any, Optional

from .. import errors as E
from .entities import ACCESS_TYPES, Project, Space
from .state import WorldState

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SLUG_MAX_LENGTH = 64
_NON_SLUG_RUN = re.compile(r"[^a-z0-9]+")


def slugify(name: str) -> str:
    """Lowercase ASCII letters and digits; every other run becomes ``-`` [fake].

    A name with no such character at all gives ``space``.
    """
    slug = _NON_SLUG_RUN.sub("-", name.lower()).strip("-")[:SLUG_MAX_LENGTH].strip("-")
    return slug or "space"



class SpaceRules(WorldState):
    """The rules of spaces (radist-api.md 5)."""

    # -- spaces -------------------------------------------------------------

    def create_space(self, project: Project, name: Any, access_type: Any, password: Any = None) -> Space:
        self._check_name(name)
        self._check_access(access_type, password, current_password=None)
        with self.lock:
            base = slugify(name)
            slug, n = base, 1
            while slug in project.spaces_by_slug:
                n += 1
                suffix = f"-{n}"
                slug = base[:SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
            now = project.clock.time()
            space = Space(self, self.ids.uuid(), project, slug, name, access_type, password, self.ids.host_token(), now)
            self.spaces[space.id] = space
            project.spaces_by_slug[slug] = space
            return space

    def list_spaces(self, project: Project) -> list[Space]:
        with self.lock:
            return list(project.spaces_by_slug.values())

    def find_space(self, project: Project, space_id: str) -> Space:
        space = self.spaces.get(space_id)
        if space is None or space.project is not project:
            raise E.ApiError(404, E.SPACE_NOT_FOUND, why=E.WHY_NO_SPACE.format(space=space_id, project=project.id))
        return space

    def update_space(self, project: Project, space_id: str, changes: dict[str, Any]) -> Space:
        with self.lock:
            space = self.find_space(project, space_id)
            if "name" in changes:
                self._check_name(changes["name"])
            access_type = changes.get("accessType", space.access_type)
            if "accessType" in changes or "password" in changes:
                self._check_access(access_type, changes.get("password"), current_password=space.password)
            slug = changes.get("slug", space.slug)
            if "slug" in changes:
                if not isinstance(slug, str) or len(slug) > SLUG_MAX_LENGTH or not SLUG_PATTERN.match(slug):
                    raise E.ApiError(400, E.INVALID_SLUG, why=E.WHY_BAD_SLUG.format(slug=slug))
                holder = project.spaces_by_slug.get(slug)
                if holder is not None and holder is not space:
                    raise E.ApiError(409, E.SLUG_TAKEN, why=E.WHY_SLUG_TAKEN.format(slug=slug, space=holder.id, project=project.id))
            if slug != space.slug:
                # re-insert under the new slug, keeping creation order
                project.spaces_by_slug = {
                    (slug if other is space else other.slug): other for other in project.spaces_by_slug.values()
                }
                space.slug = slug
            if "name" in changes:
                space.name = changes["name"]
            space.access_type = access_type
            if changes.get("password") is not None:
                space.password = changes["password"]
            space.updated = project.clock.time()
            return space

    def delete_space(self, project: Project, space_id: str) -> None:
        with self.lock:
            space = self.find_space(project, space_id)
            del self.spaces[space.id]
            del project.spaces_by_slug[space.slug]

    def rotate_host_token(self, project: Project, space_id: str) -> Space:
        with self.lock:
            space = self.find_space(project, space_id)
            space.host_token = self.ids.host_token()
            return space

    @staticmethod
    def _check_name(name: Any) -> None:
        if not isinstance(name, str) or not name.strip():
            raise E.ApiError(400, E.NAME_REQUIRED, why=E.WHY_NAME.format(name=name))

    @staticmethod
    def _check_access(access_type: Any, password: Any, current_password: Optional[str]) -> None:
        if not isinstance(access_type, str) or access_type not in ACCESS_TYPES:
            raise E.ApiError(400, E.INVALID_ACCESS_TYPE, why=E.WHY_ACCESS_TYPE.format(value=access_type))
        if password is not None and not isinstance(password, str):
            raise E.ApiError(400, E.INVALID_PASSWORD, why=E.WHY_PASSWORD_TYPE.format(kind=type(password).__name__))
        if access_type == "password" and not (password or current_password):
            raise E.ApiError(400, E.PASSWORD_REQUIRED, why=E.WHY_PASSWORD_NEEDED)

