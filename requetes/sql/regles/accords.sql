-- Règles métier des accords, écrites une seule fois, définies comme macros DuckDB à l'ouverture de chaque
-- jeu (requetes/jeu.py) et employées par toutes les requêtes qui en ont besoin.
--
-- debut_accord : début d'un accord = date_debut, à défaut date_signature (contrat, table accords).
CREATE OR REPLACE MACRO debut_accord(date_debut, date_signature) AS coalesce(date_debut, date_signature);
--
-- accord_en_vigueur : un accord est en vigueur à la date d s'il a le statut « signe » et que d est entre
-- son début et sa date de fin, bornes incluses ; une borne absente est ouverte (pas de date de début ou de
-- signature : en vigueur depuis toujours ; pas de date de fin : sans fin).
CREATE OR REPLACE MACRO accord_en_vigueur(statut, debut, fin, d) AS
    statut = 'signe' AND (debut IS NULL OR debut <= d) AND (fin IS NULL OR fin >= d);
