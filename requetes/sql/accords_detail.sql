-- Page Accords locaux : une ligne par accord (projet local de coopération), avec sa Mission Locale,
-- son département, sa région (siège de la ML) et les noms des agences signataires.
-- $code_region : NULL = toute la France, sinon les seules ML dont le siège est dans cette région.
-- debut = date_debut, à défaut date_signature (règle du contrat pour dire si un accord est en vigueur).
WITH ml AS (
    SELECT
        m.code_ml,
        m.nom_ml,
        m.code_departement,
        d.nom_departement,
        d.code_region,
        r.nom_region
    FROM missions_locales AS m
    LEFT JOIN ref_departements AS d ON d.code_departement = m.code_departement
    LEFT JOIN ref_regions AS r ON r.code_region = d.code_region
    WHERE $code_region::VARCHAR IS NULL OR d.code_region = $code_region::VARCHAR
),
signataires AS (
    SELECT id_accord, unnest(codes_agences) AS code_agence
    FROM accords
),
noms_agences AS (
    SELECT
        s.id_accord,
        string_agg(coalesce(g.nom_agence, s.code_agence), ', '
                   ORDER BY coalesce(g.nom_agence, s.code_agence)) AS agences
    FROM signataires AS s
    LEFT JOIN agences AS g ON g.code_agence = s.code_agence
    GROUP BY s.id_accord
)
SELECT
    a.id_accord,
    ml.code_ml,
    ml.nom_ml,
    ml.code_departement,
    ml.nom_departement,
    ml.code_region,
    ml.nom_region,
    a.statut,
    a.date_signature,
    a.date_debut,
    a.date_fin,
    debut_accord(a.date_debut, a.date_signature) AS debut,
    coalesce(a.codes_agences, []::VARCHAR[]) AS codes_agences,
    coalesce(n.agences, '') AS agences,
    coalesce(a.diagnostic_partage, FALSE) AS diagnostic_partage,
    coalesce(a.plan_actions, FALSE) AS plan_actions,
    coalesce(a.criteres_orientation, FALSE) AS criteres_orientation,
    coalesce(a.ouverture_actions_ml, FALSE) AS ouverture_actions_ml,
    coalesce(a.equipe_commune_entreprises, FALSE) AS equipe_commune_entreprises,
    coalesce(a.comite_pilotage, FALSE) AS comite_pilotage,
    coalesce(a.implication_president, FALSE) AS implication_president,
    coalesce(a.participation_jeunes, 0)::BIGINT AS participation_jeunes,
    a.modalite_moyens
FROM accords AS a
JOIN ml ON ml.code_ml = a.code_ml
LEFT JOIN noms_agences AS n ON n.id_accord = a.id_accord
ORDER BY ml.code_ml, debut_accord(a.date_debut, a.date_signature) NULLS LAST, a.id_accord
