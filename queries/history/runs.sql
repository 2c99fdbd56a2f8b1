-- Every run under the output folder: status, model and data versions, counts, audit verdict.
--   status  running, complete, failed, interrupted; damaged: marked complete, but shard files are
--           missing or unreadable (rerun its scan); unreadable: its manifest.json cannot be read
--   model   the model's last path part @ its revision (hub) or content hash (local folder)
--   data    the dataset's last path part : split @ a hash of its files (or of a saved dataset's fingerprint)
--   flags   confirmed flags and proxy words of its audit (NULL: not audited)
SELECT run_id,
       status,
       replace(left(started_at, 16), 'T', ' ') AS started,
       regexp_extract(model, '[^/]+$') || '@' || left(coalesce(model_revision, model_content, '?'), 8) AS model,
       regexp_extract(dataset, '[^/]+$') || ':' || split || '@' || left(coalesce(data_fingerprint, '?'), 8) AS data,
       examples,
       errors,
       audit_status AS audit,
       flags
FROM runs
ORDER BY started_at NULLS LAST, run_id;
