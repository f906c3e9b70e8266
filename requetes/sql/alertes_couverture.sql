-- Alerte 1 : communes du périmètre du jeu (communes_du_jeu() : tout le référentiel pour un jeu national, les
-- départements couverts par ses ML sinon) rattachées à aucune ML (trous de couverture) et communes
-- rattachées à plusieurs ML (chevauchements). Une ligne par commune concernée. Une commune hors du
-- périmètre d'un jeu régional ou départemental n'est pas un trou : le jeu ne dit rien d'elle.
-- $annee : année du contexte (jeunes de 16 à 25 ans de la commune).
WITH jeunes AS (
    SELECT code AS code_commune, population_16_25 AS jeunes
    FROM contexte_des_territoires('commune')
    WHERE annee = $annee
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
FROM communes_du_jeu() AS c
LEFT JOIN couverture_communes() AS r ON r.code_commune = c.code_commune
LEFT JOIN jeunes AS j ON j.code_commune = c.code_commune
WHERE r.code_commune IS NULL OR r.nb_ml > 1
ORDER BY c.code_commune
