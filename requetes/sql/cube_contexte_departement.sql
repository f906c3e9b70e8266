-- Contexte territorial agrégé par département selon le référentiel géographique (toutes les communes
-- du département, couvertes ou non par une ML). Une ligne par (annee, code_departement), une colonne par mesure.
WITH c AS (
    SELECT
        c.annee::BIGINT AS annee,
        r.code_departement,
        sum(c.population_16_25)::DOUBLE AS population_16_25,
        sum(c.jeunes_neet)::DOUBLE AS jeunes_neet,
        sum(c.demandeurs_emploi_moins_26)::DOUBLE AS demandeurs_emploi_moins_26,
        sum(c.etablissements_employeurs)::DOUBLE AS etablissements_employeurs,
        sum(c.places_formation)::DOUBLE AS places_formation
    FROM contexte c
    JOIN ref_communes r ON r.code_commune = c.code_commune
    GROUP BY ALL
)
SELECT * FROM c
