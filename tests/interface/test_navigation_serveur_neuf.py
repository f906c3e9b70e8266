"""Un serveur neuf ne montre jamais l'ancien menu « dossier pages/ » de Streamlit.

Le dossier ``pages/`` (convention du dépôt) mettait Streamlit, à la première session d'un serveur, dans
son ancien mode multipage : la barre latérale listait les fichiers bruts (« accords, budget, … donnees
invalides »), par exemple pendant la génération du jeu de démonstration au tout premier lancement, et
une page ouverte par son adresse s'exécutait seule. ``interface.lancement`` (``scripts/lancer.sh``,
``scripts/servir.sh``) passe en navigation ``st.navigation`` avant d'accepter la première connexion.

Le test parle au serveur comme un navigateur (protocole websocket de Streamlit, ``scripts/charge.py``)
et relève chaque menu que le serveur envoie à la toute première session.
"""

from __future__ import annotations

import asyncio
import threading

from scripts import charge
from tests.navigateur.harnais import demarrer_serveur


async def _menus_de_la_premiere_session(url: str, page: str) -> tuple[list[list[str]], charge.SuiviExecution]:
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    menus: list[list[str]] = []
    suivi = charge.SuiviExecution()
    ws = await charge.ouvrir_session(charge.verifier_url(url), page, lambda: 30.0)
    try:
        await ws.send(charge.message_execution(page_name=page))
        async with asyncio.timeout(120):
            while True:
                msg = ForwardMsg()
                msg.ParseFromString(await ws.recv())
                if msg.WhichOneof("type") == "navigation":
                    menus.append([p.url_pathname for p in msg.navigation.app_pages])
                if suivi.recevoir(msg):
                    break
    finally:
        await ws.close()
    return menus, suivi


def test_premiere_session_d_un_serveur_neuf_sans_ancien_menu(dossier_minimal, tmp_path):
    serveur = demarrer_serveur(dossier_minimal, tmp_path / "streamlit.log")
    # Dans un fil à part, avec sa propre boucle asyncio : le processus de test peut déjà avoir une boucle
    # en cours (Playwright, API synchrone, dans un autre test du même processus).
    resultat: list = []
    fil = threading.Thread(target=lambda: resultat.append(
        asyncio.run(_menus_de_la_premiere_session(serveur.url, "budget"))))
    try:
        fil.start()
        fil.join(timeout=180)
    finally:
        serveur.arreter()
    assert resultat, "la session n'a pas abouti (voir le journal du serveur)"
    menus, suivi = resultat[0]
    assert menus, "aucun menu reçu"
    for menu in menus:
        assert "donnees_invalides" not in menu, f"ancien menu « dossier pages/ » envoyé : {menu}"
    assert suivi.navigation_par_sections  # le menu par sections de st.navigation
    assert not suivi.exceptions and suivi.statut_fin == charge.FIN_SUCCES
