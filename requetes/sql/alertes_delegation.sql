-- Alerte 6 : entrées en délégation du PPAE (orientations France Travail -> ML, colonne entres) pour
-- 1 000 demandeurs d'emploi de moins de 26 ans du territoire de la ML (contexte, communes de
-- territoires_ml), l'année $annee, comparées à la médiane nationale de ce taux entre les ML.
-- Sous-orientation : taux < $facteur × médiane ; excès : taux > médiane / $facteur.
-- Les ML sans demandeur d'emploi connu n'ont pas de taux (ni alerte).
WITH entrees AS (
    SELECT code_ml, sum(entres) AS entrees
    FROM orientations
    WHERE sens = 'ft_vers_ml' AND year(mois) = $annee
    GROUP BY code_ml
),
demandeurs AS (
    SELECT code AS code_ml, demandeurs_emploi_moins_26 AS demandeurs
    FROM contexte_des_territoires('ml')
    WHERE annee = $annee
),
taux AS (
    SELECT
        m.code_ml,
        coalesce(e.entrees, 0)::DOUBLE AS entrees,
        dm.demandeurs::DOUBLE AS demandeurs,
        ratio(coalesce(e.entrees, 0), dm.demandeurs, 1000.0) AS taux
    FROM missions_locales AS m
    JOIN demandeurs AS dm ON dm.code_ml = m.code_ml
    LEFT JOIN entrees AS e ON e.code_ml = m.code_ml
    WHERE dm.demandeurs > 0
),
mediane AS (
    SELECT median(taux) AS mediane FROM taux
)
SELECT
    m.code_ml AS code_objet,
    m.nom_ml AS nom_objet,
    m.code_departement,
    d.code_region,
    CASE WHEN t.taux < $facteur * md.mediane THEN 'sous_orientation' ELSE 'exces' END AS cas,
    t.taux AS valeur,
    md.mediane AS reference,
    t.entrees AS numerateur,
    t.demandeurs AS denominateur
FROM taux AS t
CROSS JOIN mediane AS md
JOIN missions_locales AS m ON m.code_ml = t.code_ml
LEFT JOIN ref_departements AS d ON d.code_departement = m.code_departement
WHERE t.taux < $facteur * md.mediane OR t.taux > md.mediane / $facteur
ORDER BY m.code_ml
