-- Mesures des accords par ML et par année, à une date de référence : une ligne par (annee, code_ml),
-- une colonne par mesure. $date_reference : NULL = le 31 décembre de chaque année ; $debut, $fin : années voulues.
-- Un accord est en vigueur à la date s'il est signé et que la date est entre son début (date_debut, à
-- défaut date_signature) et sa date_fin, bornes incluses, borne absente = ouverte (table accords_base).
WITH periode AS (
    SELECT annee, coalesce($date_reference::DATE, make_date(annee::INTEGER, 12, 31)) AS date_ref
    FROM annees_jeu
    WHERE annee BETWEEN $debut AND $fin
),
grille AS (
    SELECT
        p.annee,
        m.code_ml,
        CASE WHEN count(b.code_ml) > 0 THEN 1.0 ELSE 0.0 END AS ml_avec_accord,
        count(b.code_ml)::DOUBLE AS accords_en_vigueur,
        coalesce(sum(b.socle), 0)::DOUBLE AS accords_socle,
        coalesce(sum(b.comite_pilotage), 0)::DOUBLE AS accords_comite_pilotage,
        coalesce(sum(b.implication_president), 0)::DOUBLE AS accords_implication_president,
        coalesce(sum(b.participation_jeunes), 0)::DOUBLE AS accords_participation_jeunes
    FROM periode p
    CROSS JOIN ml_rattachement m
    LEFT JOIN accords_base b
      ON b.code_ml = m.code_ml
     AND accord_en_vigueur(b.statut, b.debut, b.fin, p.date_ref)
    GROUP BY p.annee, m.code_ml
)
SELECT * REPLACE (annee::BIGINT AS annee) FROM grille
