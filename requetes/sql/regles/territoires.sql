-- Règles du maillage, écrites une seule fois (macros de table DuckDB, définies à l'ouverture de chaque jeu
-- par requetes/jeu.py ; liées à l'appel, elles peuvent nommer les vues des tables du jeu).
--
-- couverture_communes() : la couverture d'une commune par les Missions Locales. Une commune est couverte
-- si elle figure dans territoires_ml (le territoire déclaré de chaque ML) ; une ligne par commune
-- couverte : code_commune, nb_ml (ML distinctes), codes_ml (liste triée). Une commune absente de cette
-- table n'est couverte par aucune ML (trou de couverture) ; nb_ml > 1 serait un chevauchement.
CREATE OR REPLACE MACRO couverture_communes() AS TABLE
    SELECT
        code_commune,
        count(DISTINCT code_ml) AS nb_ml,
        list_sort(list(DISTINCT code_ml)) AS codes_ml
    FROM territoires_ml
    GROUP BY code_commune;
--
-- communes_des_territoires(maille) : (code, code_commune), les communes qui composent chaque territoire
-- d'une maille. maille : 'nationale' (code 'FR'), 'region', 'departement' : toutes les communes du
-- référentiel géographique, couvertes ou non par une ML ; 'ml' : les communes de territoires_ml ;
-- 'commune' : chaque commune du référentiel, seule (code = code_commune).
CREATE OR REPLACE MACRO communes_des_territoires(maille) AS TABLE
    SELECT code_commune AS code, code_commune FROM ref_communes WHERE maille = 'commune'
    UNION ALL
    SELECT 'FR' AS code, code_commune FROM ref_communes WHERE maille = 'nationale'
    UNION ALL
    SELECT code_region AS code, code_commune FROM ref_communes WHERE maille = 'region'
    UNION ALL
    SELECT code_departement AS code, code_commune FROM ref_communes WHERE maille = 'departement'
    UNION ALL
    SELECT code_ml AS code, code_commune FROM territoires_ml WHERE maille = 'ml';
--
-- contexte_des_territoires(maille) : le contexte territorial (table contexte, par commune et par année)
-- sommé sur les communes de chaque territoire de la maille (communes_des_territoires). Une ligne par
-- (annee, code), une colonne par mesure.
CREATE OR REPLACE MACRO contexte_des_territoires(maille) AS TABLE
    SELECT
        c.annee::BIGINT AS annee,
        t.code,
        sum(c.population_16_25)::DOUBLE AS population_16_25,
        sum(c.jeunes_neet)::DOUBLE AS jeunes_neet,
        sum(c.demandeurs_emploi_moins_26)::DOUBLE AS demandeurs_emploi_moins_26,
        sum(c.etablissements_employeurs)::DOUBLE AS etablissements_employeurs,
        sum(c.places_formation)::DOUBLE AS places_formation
    FROM contexte AS c
    JOIN communes_des_territoires(maille) AS t ON t.code_commune = c.code_commune
    GROUP BY ALL;
