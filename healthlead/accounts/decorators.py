"""View decorators: check a permission at the boundary, loading the object first if needed."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from healthlead.accounts.permissions import Permission

ViewFunc = Callable[..., HttpResponse]


def permission_required(
    permission: Permission,
    loader: Callable[..., Any] | None = None,
    *,
    login: bool = True,
) -> Callable[[ViewFunc], ViewFunc]:
    """Allow the view only if the user holds `permission` (on the loaded object, if any).

    `loader(**kwargs)` turns URL arguments into the object (or None for not found);
    the view receives it as its second argument.
    """

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if login and not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            obj = None
            if loader is not None:
                obj = loader(**kwargs)
                if obj is None:
                    raise Http404("Not found")
            if not request.user.has_perm(permission, obj):
                raise PermissionDenied
            if loader is not None:
                return view(request, obj, *args)
            return view(request, *args, **kwargs)

        wrapped.permission = permission  # type: ignore[attr-defined]
        return wrapped

    return decorator
