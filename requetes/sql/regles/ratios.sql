-- ratio(num, den, facteur) : un taux calculé comme partout dans le tableau de bord, sommes d'abord puis
-- rapport (Σ numérateur ÷ Σ dénominateur à la maille voulue, jamais une moyenne de taux) : facteur × num ÷
-- den, NULL si le dénominateur est nul ou absent. C'est la règle du registre des indicateurs
-- (requetes/indicateurs.py, même règle en Polars ; tests/requetes/test_regles.py vérifie l'accord).
CREATE OR REPLACE MACRO ratio(num, den, facteur) AS
    CASE WHEN den IS NULL OR den = 0 THEN NULL ELSE facteur * num / den END;
