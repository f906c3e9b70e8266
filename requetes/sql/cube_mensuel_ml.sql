-- Cube mensuel des mesures de base par Mission Locale : une ligne par (mois, code_ml), une colonne par
-- mesure (les noms de colonnes sont les noms de mesures de requetes/mesures.py).
-- Une seule lecture de orientations (des millions de lignes) et de activite.
--
-- orientations : une absence de ligne pour une ML et un mois veut dire « aucune orientation » ; on complète
--   donc la grille (mois présents dans le fichier × toutes les ML) avec des zéros.
-- activite : une ligne par ML et par mois ; une absence de ligne veut dire « donnée non transmise », pas zéro :
--   on ne complète pas la grille (la moyenne mensuelle d'une ML se fait sur ses mois transmis).
-- Les noms de mesures produits ici sont déclarés dans requetes/mesures.py (un test vérifie l'accord).
WITH o AS (
    SELECT
        date_trunc('month', mois)::DATE AS mois,
        code_ml,
        sum(orientes) FILTER (WHERE sens = 'ft_vers_ml') AS orientes_ft_ml,
        sum(acceptes) FILTER (WHERE sens = 'ft_vers_ml') AS acceptes_ft_ml,
        sum(entres) FILTER (WHERE sens = 'ft_vers_ml') AS entres_ft_ml,
        sum(orientes) FILTER (WHERE sens = 'ft_vers_ml' AND motif = 'eloignement_emploi') AS orientes_ft_ml_eloignement_emploi,
        sum(orientes) FILTER (WHERE sens = 'ft_vers_ml' AND motif = 'difficultes_sociales') AS orientes_ft_ml_difficultes_sociales,
        sum(orientes) FILTER (WHERE sens = 'ft_vers_ml' AND motif = 'accompagnement_global') AS orientes_ft_ml_accompagnement_global,
        sum(orientes) FILTER (WHERE sens = 'ft_vers_ml' AND motif = 'demande_jeune') AS orientes_ft_ml_demande_jeune,
        sum(orientes) FILTER (WHERE sens = 'ft_vers_ml' AND motif = 'prestation_ft') AS orientes_ft_ml_prestation_ft,
        sum(orientes) FILTER (WHERE sens = 'ft_vers_ml' AND motif = 'autre') AS orientes_ft_ml_autre,
        sum(orientes) FILTER (
            WHERE sens = 'ft_vers_ml' AND motif IN ('difficultes_sociales', 'eloignement_emploi')
        ) AS orientes_ft_ml_sociales_ou_eloignement,
        sum(orientes) FILTER (WHERE sens = 'ml_vers_ft') AS orientes_ml_ft,
        sum(acceptes) FILTER (WHERE sens = 'ml_vers_ft') AS acceptes_ml_ft,
        sum(entres) FILTER (WHERE sens = 'ml_vers_ft') AS entres_ml_ft
    FROM orientations
    GROUP BY ALL
),
mois_orientations AS (
    SELECT DISTINCT mois FROM o
),
o_grille AS (
    SELECT
        g.mois,
        m.code_ml,
        coalesce(o.orientes_ft_ml, 0)::DOUBLE AS orientes_ft_ml,
        coalesce(o.acceptes_ft_ml, 0)::DOUBLE AS acceptes_ft_ml,
        coalesce(o.entres_ft_ml, 0)::DOUBLE AS entres_ft_ml,
        coalesce(o.orientes_ft_ml_eloignement_emploi, 0)::DOUBLE AS orientes_ft_ml_eloignement_emploi,
        coalesce(o.orientes_ft_ml_difficultes_sociales, 0)::DOUBLE AS orientes_ft_ml_difficultes_sociales,
        coalesce(o.orientes_ft_ml_accompagnement_global, 0)::DOUBLE AS orientes_ft_ml_accompagnement_global,
        coalesce(o.orientes_ft_ml_demande_jeune, 0)::DOUBLE AS orientes_ft_ml_demande_jeune,
        coalesce(o.orientes_ft_ml_prestation_ft, 0)::DOUBLE AS orientes_ft_ml_prestation_ft,
        coalesce(o.orientes_ft_ml_autre, 0)::DOUBLE AS orientes_ft_ml_autre,
        coalesce(o.orientes_ft_ml_sociales_ou_eloignement, 0)::DOUBLE AS orientes_ft_ml_sociales_ou_eloignement,
        coalesce(o.orientes_ml_ft, 0)::DOUBLE AS orientes_ml_ft,
        coalesce(o.acceptes_ml_ft, 0)::DOUBLE AS acceptes_ml_ft,
        coalesce(o.entres_ml_ft, 0)::DOUBLE AS entres_ml_ft
    FROM mois_orientations g
    CROSS JOIN missions_locales m
    LEFT JOIN o ON o.mois = g.mois AND o.code_ml = m.code_ml
),
a AS (
    SELECT
        date_trunc('month', mois)::DATE AS mois,
        code_ml,
        sum(jeunes_accompagnes)::DOUBLE AS jeunes_accompagnes,
        sum(doubles_accompagnements)::DOUBLE AS doubles_accompagnements,
        sum(premiers_accueils)::DOUBLE AS premiers_accueils,
        sum(sorties_emploi)::DOUBLE AS sorties_emploi,
        sum(sorties_emploi_durable)::DOUBLE AS sorties_emploi_durable,
        sum(sorties_formation)::DOUBLE AS sorties_formation,
        sum(sorties_sans_solution)::DOUBLE AS sorties_sans_solution,
        (sum(sorties_emploi) + sum(sorties_formation) + sum(sorties_sans_solution))::DOUBLE AS sorties_total
    FROM activite
    WHERE code_ml IN (SELECT code_ml FROM missions_locales)
    GROUP BY ALL
)
SELECT
    coalesce(o.mois, a.mois) AS mois,
    coalesce(o.code_ml, a.code_ml) AS code_ml,
    o.* EXCLUDE (mois, code_ml),
    a.* EXCLUDE (mois, code_ml)
FROM o_grille o
FULL JOIN a ON a.mois = o.mois AND a.code_ml = o.code_ml
