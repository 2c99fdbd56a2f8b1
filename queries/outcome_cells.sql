-- The model's decisions per sensitive column and group (dataset.sensitive_columns, and each pair of
-- them as an intersection 'a & b'): examples per predicted class and dataset label. Every outcome
-- metric of the audit (selection rate, true and false positive rate, accuracy) and its bootstrap
-- are computed from these counts alone.
--   columns           the sensitive columns: one, or the two of an intersection
--   prediction_label  the model's predicted class
--   label             the dataset's label (NULL where the dataset has none)
--   examples          examples with that group, prediction and label
-- param column VARCHAR: only this column, or intersection such as 'gender & race' (default: all)
SELECT sensitive_groups."column", sensitive_groups.columns, sensitive_groups."group",
       examples.prediction_label, examples.label, count(*) AS examples
FROM sensitive_groups JOIN examples USING (example_id)
WHERE getvariable('column') IS NULL OR sensitive_groups."column" = getvariable('column')
GROUP BY ALL
ORDER BY ALL;
