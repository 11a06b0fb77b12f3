<section class="card" aria-labelledby="job-h">
<h2 id="job-h">Schedule</h2>
<p>Cron expression: <code id="job-expr"><?cs var:Job.expr ?></code></p>
<p>Last run: <span id="job-last"><?cs var:Job.last_run ?></span>, result: <strong id="job-result" class="status-<?cs var:Job.result ?>"><?cs var:Job.result ?></strong><?cs if:Job.message ?> (<span id="job-message"><?cs var:Job.message ?></span>)<?cs /if ?></p>
<p>Next run: <span id="job-next"><?cs var:Job.next_run ?></span></p>
</section>
