-- Cube annuel des mesures de base par Mission Locale : une ligne par (annee, code_ml) pour chaque année
-- du jeu et chaque ML, une colonne par mesure (noms de requetes/mesures.py).
-- Les mesures des accords n'y sont pas : elles dépendent de la date de référence (accords_a_date.sql).
-- NULL = pas de donnée (la table source n'a rien pour cette année, ou la ML n'a transmis aucun mois
-- d'activité) ; 0 = donnée nulle.
WITH mensuel AS (
    SELECT
        year(mois)::BIGINT AS annee,
        code_ml,
        -- orientations : flux, somme des mois
        sum(orientes_ft_ml) AS orientes_ft_ml,
        sum(acceptes_ft_ml) AS acceptes_ft_ml,
        sum(entres_ft_ml) AS entres_ft_ml,
        sum(orientes_ft_ml_eloignement_emploi) AS orientes_ft_ml_eloignement_emploi,
        sum(orientes_ft_ml_difficultes_sociales) AS orientes_ft_ml_difficultes_sociales,
        sum(orientes_ft_ml_accompagnement_global) AS orientes_ft_ml_accompagnement_global,
        sum(orientes_ft_ml_demande_jeune) AS orientes_ft_ml_demande_jeune,
        sum(orientes_ft_ml_prestation_ft) AS orientes_ft_ml_prestation_ft,
        sum(orientes_ft_ml_autre) AS orientes_ft_ml_autre,
        sum(orientes_ft_ml_sociales_ou_eloignement) AS orientes_ft_ml_sociales_ou_eloignement,
        sum(orientes_ml_ft) AS orientes_ml_ft,
        sum(acceptes_ml_ft) AS acceptes_ml_ft,
        sum(entres_ml_ft) AS entres_ml_ft,
        -- activité : stocks mensuels = moyenne des mois transmis par la ML ; flux = somme
        avg(jeunes_accompagnes) AS jeunes_accompagnes,
        avg(doubles_accompagnements) AS doubles_accompagnements,
        sum(premiers_accueils) AS premiers_accueils,
        sum(sorties_emploi) AS sorties_emploi,
        sum(sorties_emploi_durable) AS sorties_emploi_durable,
        sum(sorties_formation) AS sorties_formation,
        sum(sorties_sans_solution) AS sorties_sans_solution,
        sum(sorties_total) AS sorties_total
    FROM cube_mensuel_ml
    GROUP BY ALL
),
annees_allocations AS (
    SELECT DISTINCT annee::BIGINT AS annee FROM allocations
),
alloc AS (
    SELECT
        annee::BIGINT AS annee,
        code_ml,
        sum(etp_affectes) AS etp_affectes,
        sum(etp_compenses) AS etp_compenses,
        sum(valorisation_etp_eur) AS valorisation_etp_eur,
        sum(subvention_compensatoire_eur) AS subvention_compensatoire_eur,
        sum(credits_financiers_eur) AS credits_financiers_eur,
        sum(objectif_entrees_delegation) AS objectif_entrees_delegation
    FROM allocations
    GROUP BY ALL
),
-- Une ML sans ligne d'allocation une année où le fichier en contient : aucun moyen cette année-là (0).
alloc_grille AS (
    SELECT
        g.annee,
        m.code_ml,
        coalesce(x.valorisation_etp_eur, 0) + coalesce(x.subvention_compensatoire_eur, 0)
            + coalesce(x.credits_financiers_eur, 0) AS enveloppe_ml_eur,
        coalesce(x.valorisation_etp_eur, 0) AS valorisation_etp_eur,
        coalesce(x.subvention_compensatoire_eur, 0) AS subvention_compensatoire_eur,
        coalesce(x.credits_financiers_eur, 0) AS credits_financiers_eur,
        coalesce(x.etp_affectes, 0) AS etp_affectes,
        coalesce(x.etp_compenses, 0) AS etp_compenses,
        coalesce(x.etp_affectes, 0) + coalesce(x.etp_compenses, 0) AS etp_mobilises,
        CASE WHEN coalesce(x.etp_affectes, 0) > 0 THEN 1.0 ELSE 0.0 END::DOUBLE AS ml_avec_agent,
        coalesce(x.objectif_entrees_delegation, 0)::DOUBLE AS objectif_entrees_delegation
    FROM annees_allocations g
    CROSS JOIN missions_locales m
    LEFT JOIN alloc x ON x.annee = g.annee AND x.code_ml = m.code_ml
),
-- Grille de base : toutes les ML, toutes les années du jeu ; chaque ML compte pour une ML (nb_ml).
grille AS (
    SELECT a.annee::BIGINT AS annee, m.code_ml, 1.0::DOUBLE AS nb_ml
    FROM annees_jeu a
    CROSS JOIN missions_locales m
)
SELECT
    g.annee,
    g.code_ml,
    g.nb_ml,
    al.* EXCLUDE (annee, code_ml),
    me.* EXCLUDE (annee, code_ml)
FROM grille g
LEFT JOIN alloc_grille al ON al.annee = g.annee AND al.code_ml = g.code_ml
LEFT JOIN mensuel me ON me.annee = g.annee AND me.code_ml = g.code_ml
