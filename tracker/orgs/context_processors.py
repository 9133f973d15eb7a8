from tracker.orgs.scope import scope_for


def scope(request):
    """The signed-in user's scope, so the header shows only the pages that role can use."""
    user = getattr(request, "user", None)
    return {"scope": scope_for(user)} if user is not None else {}
