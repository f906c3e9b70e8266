-- Communes du périmètre du jeu (communes_du_jeu() : tout le référentiel pour un jeu national, les
-- départements couverts sinon) avec leur point (dans la commune, WGS84), leurs ML de rattachement et leurs
-- jeunes de 16 à 25 ans l'année $annee (NULL si le contexte ne donne pas la commune). Sert aux distances
-- et à l'alerte 5 (accès éloigné) : une commune hors du jeu n'est pas « éloignée ».
WITH jeunes AS (
    SELECT code AS code_commune, population_16_25 AS jeunes
    FROM contexte_des_territoires('commune')
    WHERE annee = $annee
)
SELECT
    c.code_commune,
    c.nom_commune,
    c.code_departement,
    c.code_region,
    c.latitude,
    c.longitude,
    coalesce(r.codes_ml, []::VARCHAR[]) AS codes_ml,
    j.jeunes::BIGINT AS jeunes
FROM communes_du_jeu() AS c
LEFT JOIN couverture_communes() AS r ON r.code_commune = c.code_commune
LEFT JOIN jeunes AS j ON j.code_commune = c.code_commune
ORDER BY c.code_commune
