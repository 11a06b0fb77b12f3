<?cs include:"header.cs" ?>
<?cs if:Status.certs.expired > 0 || Status.certs.expiring > 0 ?><p class="warning" role="status">Certificates: <?cs var:Status.certs.expired ?> expired, <?cs var:Status.certs.expiring ?> expire within 30 days<?cs if:Status.certs.first ?> (first: <?cs var:Status.certs.first ?>)<?cs /if ?>.</p><?cs /if ?>
<?cs if:Status.crls.due > 0 ?><p class="warning" role="status">CRLs: <?cs var:Status.crls.due ?> due for their next update within 7 days or overdue.</p><?cs /if ?>
<div class="grid">
<section class="card" aria-labelledby="q-h">
<h2 id="q-h">Postfix queues</h2>
<?cs if:Status.queue.known ?>
<table id="queues">
<tr><th>Incoming</th><td class="num" id="q-incoming"><?cs var:Status.queue.incoming ?></td></tr>
<tr><th>Active</th><td class="num" id="q-active"><?cs var:Status.queue.active ?></td></tr>
<tr><th>Deferred</th><td class="num" id="q-deferred"><?cs var:Status.queue.deferred ?></td></tr>
<tr><th>Hold</th><td class="num" id="q-hold"><?cs var:Status.queue.hold ?></td></tr>
</table>
<?cs else ?><p class="warning">The MTA does not answer: the queue is not known.</p><?cs /if ?>
</section>
<section class="card" aria-labelledby="m-h">
<h2 id="m-h">Mail</h2>
<table id="mail">
<tr><th></th><th class="num">Last hour</th><th class="num">Last day</th></tr>
<tr><th>Delivered</th><td class="num" id="delivered-hour"><?cs var:Status.delivered.hour ?></td><td class="num" id="delivered-day"><?cs var:Status.delivered.day ?></td></tr>
<tr><th>Sent to the postmaster</th><td class="num" id="postmaster-hour"><?cs var:Status.postmaster.hour ?></td><td class="num" id="postmaster-day"><?cs var:Status.postmaster.day ?></td></tr>
<tr><th>Deferred</th><td class="num" id="deferred-hour"><?cs var:Status.deferred.hour ?></td><td class="num" id="deferred-day"><?cs var:Status.deferred.day ?></td></tr>
</table>
</section>
<section class="card" aria-labelledby="b-h">
<h2 id="b-h">Box</h2>
<table id="box">
<tr><th>Users</th><td class="num" id="users"><?cs var:Status.users ?></td></tr>
<tr><th>Mailboxes</th><td class="num" id="mailboxes"><?cs var:Status.mailboxes ?></td></tr>
<tr><th>Stored mail</th><td class="num" id="disk-used"><?cs var:Status.mail ?></td></tr>
<tr><th>Free space</th><td class="num" id="disk-free"><?cs var:Status.free ?></td></tr>
</table>
</section>
</div>
<section aria-labelledby="h-h">
<h2 id="h-h">History</h2>
<nav class="ranges" aria-label="Range"><ul>
<li><a href="<?cs var:Page.base ?>/status?range=24h"<?cs if:Status.range == "24h" ?> aria-current="page"<?cs /if ?>>24 hours</a></li>
<li><a href="<?cs var:Page.base ?>/status?range=7d"<?cs if:Status.range == "7d" ?> aria-current="page"<?cs /if ?>>7 days</a></li>
<li><a href="<?cs var:Page.base ?>/status?range=30d"<?cs if:Status.range == "30d" ?> aria-current="page"<?cs /if ?>>30 days</a></li>
</ul></nav>
<p><img class="graph" id="graph-deliveries" src="<?cs var:Page.base ?>/graph/deliveries.svg?range=<?cs var:Status.range ?>" alt="Deliveries over the last <?cs var:Status.range ?>" width="720" height="160"></p>
<p><img class="graph" id="graph-queue" src="<?cs var:Page.base ?>/graph/queue.svg?range=<?cs var:Status.range ?>" alt="Queue size over the last <?cs var:Status.range ?>" width="720" height="160"></p>
<p><img class="graph" id="graph-logins" src="<?cs var:Page.base ?>/graph/logins.svg?range=<?cs var:Status.range ?>" alt="Logins over the last <?cs var:Status.range ?>" width="720" height="160"></p>
<p><img class="graph" id="graph-postmaster" src="<?cs var:Page.base ?>/graph/postmaster.svg?range=<?cs var:Status.range ?>" alt="Mail sent to the postmaster over the last <?cs var:Status.range ?>" width="720" height="160"></p>
</section>
<?cs include:"footer.cs" ?>
