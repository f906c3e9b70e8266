"""Documents tirés du tableau de bord, sans Streamlit : le dossier de séance PDF (``rapports.dossier``).

Couche au rang de ``presentation`` et ``cartes`` : elle lit ``donnees`` et ``requetes`` et reprend les
tableaux, figures et textes de ``presentation`` et ``cartes`` ; jamais Streamlit ni ``interface``."""
