-- Alerte 1 : communes du référentiel rattachées à aucune ML (trous de couverture) et communes
-- rattachées à plusieurs ML (chevauchements). Une ligne par commune concernée.
-- $annee : année du contexte (jeunes de 16 à 25 ans de la commune).
WITH rattachements AS (
    SELECT
        code_commune,
        count(DISTINCT code_ml) AS nb_ml,
        list_sort(list(DISTINCT code_ml)) AS codes_ml
    FROM territoires_ml
    GROUP BY code_commune
),
jeunes AS (
    SELECT code_commune, sum(population_16_25) AS jeunes
    FROM contexte
    WHERE annee = $annee
    GROUP BY code_commune
)
SELECT
    c.code_commune AS code_objet,
    c.nom_commune AS nom_objet,
    c.code_departement,
    c.code_region,
    CASE WHEN r.code_commune IS NULL THEN 'non_couverte' ELSE 'chevauchement' END AS cas,
    coalesce(r.nb_ml, 0)::DOUBLE AS valeur,
    coalesce(r.codes_ml, []::VARCHAR[]) AS codes_ml,
    j.jeunes::BIGINT AS jeunes
FROM ref_communes AS c
LEFT JOIN rattachements AS r ON r.code_commune = c.code_commune
LEFT JOIN jeunes AS j ON j.code_commune = c.code_commune
WHERE r.code_commune IS NULL OR r.nb_ml > 1
ORDER BY c.code_commune
