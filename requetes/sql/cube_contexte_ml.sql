-- Contexte territorial agrégé par Mission Locale : communes rattachées par territoires_ml.
-- Une ligne par (annee, code_ml), une colonne par mesure. Une commune hors de tout territoire de ML n'y entre pas.
WITH c AS (
    SELECT
        c.annee::BIGINT AS annee,
        t.code_ml,
        sum(c.population_16_25)::DOUBLE AS population_16_25,
        sum(c.jeunes_neet)::DOUBLE AS jeunes_neet,
        sum(c.demandeurs_emploi_moins_26)::DOUBLE AS demandeurs_emploi_moins_26,
        sum(c.etablissements_employeurs)::DOUBLE AS etablissements_employeurs,
        sum(c.places_formation)::DOUBLE AS places_formation
    FROM contexte c
    JOIN territoires_ml t ON t.code_commune = c.code_commune
    GROUP BY ALL
)
SELECT * FROM c
