-- Années couvertes par le jeu : celles des allocations, des orientations et de l'activité
-- (le contexte territorial peut couvrir d'autres années : il n'ouvre pas d'année à lui seul).
SELECT DISTINCT annee::BIGINT AS annee
FROM (
    SELECT annee FROM allocations
    UNION ALL
    SELECT DISTINCT year(mois) AS annee FROM cube_mensuel_ml
)
WHERE annee IS NOT NULL
