<?cs include:"header.cs" ?>
<form method="get" action="<?cs var:Page.base ?>/audit" class="card">
<p><label for="actor">Actor</label><input id="actor" name="actor" type="text" value="<?cs var:Form.actor ?>"></p>
<p><label for="q">Text</label><input id="q" name="q" type="text" value="<?cs var:Form.q ?>"></p>
<p><button type="submit">Filter</button></p>
</form>
<div class="table-wrap">
<table id="audit">
<thead><tr><th>Time</th><th>Actor</th><th>Client</th><th>Action</th><th>Object</th><th>Old</th><th>New</th></tr></thead>
<tbody>
<?cs each:r = Audit.rows ?><tr>
<td class="mono"><?cs var:r.at ?></td><td class="actor"><?cs var:r.actor ?></td><td class="mono"><?cs var:r.client ?></td>
<td class="action"><?cs var:r.action ?></td><td class="object"><?cs var:r.object ?></td><td><?cs var:r.old ?></td><td><?cs var:r.new ?></td>
</tr>
<?cs /each ?></tbody>
</table>
</div>
<?cs if:Audit.count == 0 ?><p>No entries.</p><?cs /if ?>
<?cs if:Audit.next ?><p><a id="older" href="<?cs var:Page.base ?>/audit?before=<?cs var:Audit.next ?>&amp;actor=<?cs var:url_escape(Form.actor) ?>&amp;q=<?cs var:url_escape(Form.q) ?>">Older entries</a></p><?cs /if ?>
<?cs include:"footer.cs" ?>
