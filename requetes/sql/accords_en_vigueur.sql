-- Page Accords locaux : identifiants des accords en vigueur à la date $date_reference (toutes les ML ;
-- la page restreint ensuite à la région). Règle du contrat : statut « signe » et date comprise entre
-- date_debut (à défaut date_signature) et date_fin, bornes incluses, borne absente = ouverte.
SELECT id_accord
FROM accords
WHERE accord_en_vigueur(statut, debut_accord(date_debut, date_signature), date_fin, $date_reference::DATE)
ORDER BY id_accord
