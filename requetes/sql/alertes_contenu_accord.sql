-- Alerte 3 : accords en vigueur à la date $date_reference auxquels il manque le diagnostic
-- territorial partagé, les critères d'orientation définis localement ou le plan d'actions.
-- Une ligne par Mission Locale (tous ses accords en vigueur considérés ensemble : un élément
-- manque si aucun de ses accords en vigueur ne l'a).
WITH en_vigueur AS (
    SELECT *
    FROM accords
    WHERE accord_en_vigueur(statut, debut_accord(date_debut, date_signature), date_fin, $date_reference::DATE)
),
par_ml AS (
    SELECT
        code_ml,
        list_sort(list(id_accord)) AS accords,
        NOT bool_or(coalesce(diagnostic_partage, false)) AS manque_diagnostic,
        NOT bool_or(coalesce(criteres_orientation, false)) AS manque_criteres,
        NOT bool_or(coalesce(plan_actions, false)) AS manque_plan
    FROM en_vigueur
    GROUP BY code_ml
)
SELECT
    m.code_ml AS code_objet,
    m.nom_ml AS nom_objet,
    m.code_departement,
    d.code_region,
    'contenu_incomplet' AS cas,
    (p.manque_diagnostic::INTEGER + p.manque_criteres::INTEGER + p.manque_plan::INTEGER)::DOUBLE AS valeur,
    p.accords,
    p.manque_diagnostic,
    p.manque_criteres,
    p.manque_plan
FROM par_ml AS p
JOIN missions_locales AS m ON m.code_ml = p.code_ml
LEFT JOIN ref_departements AS d ON d.code_departement = m.code_departement
WHERE p.manque_diagnostic OR p.manque_criteres OR p.manque_plan
ORDER BY m.code_ml
