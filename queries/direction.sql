-- Which way each group's words push, per predicted class.
--   mean_relevance  mean over the class's examples that contain the group of the signed relevance
--                   on the group's words, toward the explained target (the predicted class
--                   unless the scan fixed a target): > 0 supports it, < 0 speaks against it
--   positive_rate   fraction of those examples where that relevance is positive
-- param axis VARCHAR: only this axis (default: all axes)
WITH sensitive AS (
    SELECT DISTINCT example_id, segment, word_index, axis, "group"
    FROM term_words
    WHERE getvariable('axis') IS NULL OR axis = getvariable('axis')
),
per_example AS (
    SELECT sensitive.axis, sensitive."group", sensitive.example_id, sum(words.relevance) AS relevance
    FROM sensitive JOIN words USING (example_id, segment, word_index)
    GROUP BY ALL
)
SELECT per_example.axis, per_example."group", examples.prediction_label, examples.target_label,
       count(*)::INTEGER AS examples,
       avg(per_example.relevance) AS mean_relevance,
       avg((per_example.relevance > 0)::INTEGER) AS positive_rate
FROM per_example JOIN examples USING (example_id)
GROUP BY ALL
ORDER BY per_example.axis, per_example."group", examples.prediction_label, examples.target_label;
