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
--
-- Le périmètre du jeu de données (issue « Un export régional se lit comme régional ») : un jeu d'exports
-- peut ne porter que les Missions Locales d'une région ou d'un département (contrat, version 1).
--
-- departements_du_jeu() : les départements que le jeu couvre, c'est-à-dire ceux du siège d'au moins une
-- de ses Missions Locales, avec leur région : code_departement, code_region. (Une commune d'un territoire
-- de ML hors de ces départements ne les étend pas : le reste de son département n'est pas dans le jeu.)
CREATE OR REPLACE MACRO departements_du_jeu() AS TABLE
    SELECT DISTINCT d.code_departement, d.code_region
    FROM missions_locales AS m
    JOIN ref_departements AS d ON d.code_departement = m.code_departement;
--
-- jeu_national() : vrai quand le jeu couvre les 18 régions du référentiel (jeu national) ; un jeu
-- national se lit sur toute la France, même si un département n'y a aucune ML (trou de couverture).
-- reglage_couverture (créée par requetes/jeu.py) : TDB_COUVERTURE=nationale fait lire tout jeu comme national.
CREATE OR REPLACE MACRO jeu_national() AS
    coalesce((SELECT bool_or(nationale) FROM reglage_couverture), false)
    OR (SELECT count(DISTINCT code_region) FROM departements_du_jeu()) = (SELECT count(*) FROM ref_regions);
--
-- communes_du_jeu() : les communes du périmètre du jeu, seules regardées par les alertes de couverture
-- (trous, chevauchements, accès éloigné) : toutes les communes du référentiel pour un jeu national,
-- celles des départements couverts sinon. Une commune hors du périmètre n'est jamais un trou : le jeu ne
-- dit rien d'elle. Mêmes colonnes que ref_communes.
CREATE OR REPLACE MACRO communes_du_jeu() AS TABLE
    SELECT c.*
    FROM ref_communes AS c
    WHERE jeu_national()
       OR c.code_departement IN (SELECT code_departement FROM departements_du_jeu());
