-- Vue nationale, point d'attention « ML qui ont perdu leur agent affecté » :
-- Missions Locales qui avaient au moins un agent France Travail affecté l'année $annee - 1
-- (somme des etp_affectes > 0) et n'en ont plus l'année $annee (somme nulle, ou aucune ligne
-- d'allocation cette année-là). $code_region : NULL (France entière) ou code de la région du siège.
-- Colonne « perte » : vrai pour une ML qui a perdu son agent ; toutes les ML qui en avaient un en
-- $annee - 1 sont rendues (dénominateur de la part).
WITH avant AS (
    SELECT code_ml, sum(etp_affectes)::DOUBLE AS etp
    FROM allocations
    WHERE annee = $annee - 1
    GROUP BY code_ml
),
apres AS (
    SELECT code_ml, sum(etp_affectes)::DOUBLE AS etp
    FROM allocations
    WHERE annee = $annee
    GROUP BY code_ml
)
SELECT
    m.code_ml,
    m.nom_ml,
    m.code_departement,
    d.code_region,
    av.etp AS etp_precedent,
    coalesce(ap.etp, 0)::DOUBLE AS etp_annee,
    coalesce(ap.etp, 0) <= 0 AS perte
FROM avant AS av
JOIN missions_locales AS m ON m.code_ml = av.code_ml
LEFT JOIN ref_departements AS d ON d.code_departement = m.code_departement
LEFT JOIN apres AS ap ON ap.code_ml = av.code_ml
WHERE av.etp > 0
  AND ($code_region IS NULL OR d.code_region = $code_region)
ORDER BY perte DESC, av.etp DESC, m.code_ml
