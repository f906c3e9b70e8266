-- Alerte 9 : objectif annuel d'entrées en délégation (allocations.objectif_entrees_delegation)
-- atteint à moins de $seuil_pct %, l'année $annee. Entrées = orientations ft_vers_ml, colonne entres.
-- Les ML sans objectif (absent ou nul) n'ont pas de taux de réalisation (ni alerte).
WITH entrees AS (
    SELECT code_ml, sum(entres)::DOUBLE AS entrees
    FROM orientations
    WHERE sens = 'ft_vers_ml' AND year(mois) = $annee
    GROUP BY code_ml
)
SELECT
    m.code_ml AS code_objet,
    m.nom_ml AS nom_objet,
    m.code_departement,
    d.code_region,
    'objectif_non_atteint' AS cas,
    ratio(coalesce(e.entrees, 0), a.objectif_entrees_delegation, 100.0) AS valeur,
    coalesce(e.entrees, 0) AS numerateur,
    a.objectif_entrees_delegation::DOUBLE AS denominateur
FROM allocations AS a
JOIN missions_locales AS m ON m.code_ml = a.code_ml
LEFT JOIN ref_departements AS d ON d.code_departement = m.code_departement
LEFT JOIN entrees AS e ON e.code_ml = a.code_ml
WHERE a.annee = $annee
  AND a.objectif_entrees_delegation > 0
  AND ratio(coalesce(e.entrees, 0), a.objectif_entrees_delegation, 100.0) < $seuil_pct
ORDER BY m.code_ml
