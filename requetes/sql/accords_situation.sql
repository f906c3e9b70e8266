-- Page Accords locaux : situation de chaque Mission Locale à une ou plusieurs dates ($dates : liste de
-- dates), et l'accord qui la détermine (accord « courant »). $code_region : NULL = toute la France.
--
-- Règle du contrat : un accord est en vigueur à une date s'il a le statut « signe » et que la date est
-- comprise entre date_debut (à défaut date_signature) et date_fin, bornes incluses, borne absente =
-- ouverte. Le statut est celui du dernier export.
--
-- À une date, on ne regarde que les accords déjà commencés (début ≤ date) ou sans date (en négociation,
-- non engagé). Situation d'un accord à la date : « en_vigueur » (règle ci-dessus), « echu » (signé mais
-- terminé avant la date, ou statut « echu »), sinon son statut (en_negociation, denonce, non_engage).
-- Accord courant d'une ML : le premier dans l'ordre en_vigueur, en_negociation, puis échu ou dénoncé,
-- puis non_engage ; à égalité, le plus récent (début le plus tardif, puis identifiant).
-- Une ML sans accord retenu est « aucun_accord ».
WITH dates AS (
    SELECT DISTINCT unnest($dates::DATE[]) AS date_ref
),
ml AS (
    SELECT m.code_ml
    FROM missions_locales AS m
    LEFT JOIN ref_departements AS d ON d.code_departement = m.code_departement
    WHERE $code_region::VARCHAR IS NULL OR d.code_region = $code_region::VARCHAR
),
a AS (
    SELECT id_accord, code_ml, statut, debut_accord(date_debut, date_signature) AS debut, date_fin
    FROM accords
),
candidats AS (
    SELECT
        dt.date_ref,
        a.code_ml,
        a.id_accord,
        a.debut,
        CASE
            WHEN accord_en_vigueur(a.statut, a.debut, a.date_fin, dt.date_ref) THEN 'en_vigueur'
            WHEN a.statut = 'signe' THEN 'echu'
            ELSE a.statut
        END AS situation
    FROM dates AS dt
    JOIN a ON a.debut IS NULL OR a.debut <= dt.date_ref
),
choix AS (
    SELECT *
    FROM candidats
    QUALIFY row_number() OVER (
        PARTITION BY date_ref, code_ml
        ORDER BY
            CASE situation
                WHEN 'en_vigueur' THEN 1
                WHEN 'en_negociation' THEN 2
                WHEN 'non_engage' THEN 4
                ELSE 3
            END,
            debut DESC NULLS LAST,
            id_accord DESC
    ) = 1
),
en_vigueur AS (
    SELECT date_ref, code_ml, count(*) AS nb_en_vigueur
    FROM candidats
    WHERE situation = 'en_vigueur'
    GROUP BY ALL
)
SELECT
    dt.date_ref,
    ml.code_ml,
    coalesce(c.situation, 'aucun_accord') AS situation,
    c.id_accord,
    coalesce(v.nb_en_vigueur, 0)::BIGINT AS nb_en_vigueur
FROM dates AS dt
CROSS JOIN ml
LEFT JOIN choix AS c ON c.date_ref = dt.date_ref AND c.code_ml = ml.code_ml
LEFT JOIN en_vigueur AS v ON v.date_ref = dt.date_ref AND v.code_ml = ml.code_ml
ORDER BY dt.date_ref, ml.code_ml
