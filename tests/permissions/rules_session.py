"""Permission-matrix entries for the session keep-alive (url name -> rule).

"Stay signed in" on the timeout warning posts here: anybody signed in may keep their own
session (204, no body); GET answers 405; an anonymous visitor is sent to sign in.
"""


def _keep_alive(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    return {204} if method == "POST" else {405}


EXPECTED: dict = {"core:keep_alive": _keep_alive}
