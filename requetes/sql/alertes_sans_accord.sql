-- Alerte 2 : Missions Locales sans accord local en vigueur à la date $date_reference.
-- En vigueur : statut « signe » et date comprise entre date_debut (à défaut date_signature) et
-- date_fin, bornes absentes ouvertes (contrat, table accords).
WITH en_vigueur AS (
    SELECT DISTINCT code_ml
    FROM accords
    WHERE accord_en_vigueur(statut, debut_accord(date_debut, date_signature), date_fin, $date_reference::DATE)
),
historique AS (
    SELECT
        code_ml,
        count(*) AS nb_accords,
        list_sort(list(DISTINCT statut)) AS statuts
    FROM accords
    GROUP BY code_ml
)
SELECT
    m.code_ml AS code_objet,
    m.nom_ml AS nom_objet,
    m.code_departement,
    d.code_region,
    CASE WHEN h.code_ml IS NULL THEN 'aucun_accord' ELSE 'aucun_en_vigueur' END AS cas,
    coalesce(h.nb_accords, 0)::DOUBLE AS valeur,
    coalesce(h.statuts, []::VARCHAR[]) AS statuts
FROM missions_locales AS m
LEFT JOIN ref_departements AS d ON d.code_departement = m.code_departement
LEFT JOIN historique AS h ON h.code_ml = m.code_ml
WHERE m.code_ml NOT IN (SELECT code_ml FROM en_vigueur)
ORDER BY m.code_ml
