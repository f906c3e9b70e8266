-- Alerte 7 : critères d'orientation déséquilibrés. Part des jeunes orientés par France Travail vers
-- la ML (délégation du PPAE, sens ft_vers_ml) pour difficultés sociales ou éloignement de l'emploi,
-- l'année $annee, en pourcentage ; alerte au-dessus de $seuil_pct.
WITH parts AS (
    SELECT
        code_ml,
        sum(orientes) FILTER (WHERE motif IN ('difficultes_sociales', 'eloignement_emploi'))::DOUBLE
            AS orientes_motifs,
        sum(orientes)::DOUBLE AS orientes
    FROM orientations
    WHERE sens = 'ft_vers_ml' AND year(mois) = $annee
    GROUP BY code_ml
)
SELECT
    m.code_ml AS code_objet,
    m.nom_ml AS nom_objet,
    m.code_departement,
    d.code_region,
    'criteres_desequilibres' AS cas,
    ratio(coalesce(p.orientes_motifs, 0), p.orientes, 100.0) AS valeur,
    coalesce(p.orientes_motifs, 0) AS numerateur,
    p.orientes AS denominateur
FROM parts AS p
JOIN missions_locales AS m ON m.code_ml = p.code_ml
LEFT JOIN ref_departements AS d ON d.code_departement = m.code_departement
WHERE p.orientes > 0
  AND ratio(coalesce(p.orientes_motifs, 0), p.orientes, 100.0) > $seuil_pct
ORDER BY m.code_ml
