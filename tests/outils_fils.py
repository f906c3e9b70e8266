"""Outil des tests de concurrence : plusieurs fils qui appellent la même fonction au même instant."""

from __future__ import annotations

import threading
from collections.abc import Callable


def en_meme_temps(n: int, fonction: Callable[[], object], delai_s: float = 120.0) -> list:
    """Appelle ``fonction()`` dans ``n`` fils lâchés ensemble (barrière) ; rend leurs résultats, dans l'ordre
    des fils, ou l'exception levée par un fil à sa place."""
    depart = threading.Barrier(n)
    resultats: list = [None] * n

    def fil(i: int) -> None:
        depart.wait()
        try:
            resultats[i] = fonction()
        except BaseException as exc:
            resultats[i] = exc

    fils = [threading.Thread(target=fil, args=(i,)) for i in range(n)]
    for f in fils:
        f.start()
    for f in fils:
        f.join(timeout=delai_s)
    return resultats
