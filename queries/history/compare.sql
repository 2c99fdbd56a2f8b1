-- Two runs side by side, per axis and group their audits tested: share, lift over control words,
-- and what happened to flags between them.
--   change  new (flagged in run_b only), resolved (run_a only), persisting (both), NULL (neither)
-- param run_a VARCHAR: the earlier run's id
-- param run_b VARCHAR: the later run's id
WITH a AS (SELECT * FROM run_groups WHERE run_id = getvariable('run_a')),
     b AS (SELECT * FROM run_groups WHERE run_id = getvariable('run_b'))
SELECT coalesce(a.axis, b.axis) AS axis, coalesce(a."group", b."group") AS "group",
       a.examples AS examples_a, b.examples AS examples_b,
       a.share AS share_a, b.share AS share_b, b.share - a.share AS share_change,
       a.lift AS lift_a, b.lift AS lift_b, b.lift - a.lift AS lift_change,
       coalesce(a.verdict, 'absent') AS verdict_a, coalesce(b.verdict, 'absent') AS verdict_b,
       CASE WHEN b.verdict = 'flag' AND a.verdict = 'flag' THEN 'persisting'
            WHEN b.verdict = 'flag' THEN 'new'
            WHEN a.verdict = 'flag' THEN 'resolved' END AS change
FROM a FULL OUTER JOIN b ON a.axis = b.axis AND a."group" = b."group"
ORDER BY axis, "group";
