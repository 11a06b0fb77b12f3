<?cs include:"header.cs" ?>
<?cs if:Scope.owner ?><p>For <strong><?cs var:Scope.owner ?></strong> (<?cs var:Scope.name ?>).</p><?cs /if ?>
<div class="table-wrap"><table class="templates">
<thead><tr><th scope="col">Template</th><th scope="col">From</th></tr></thead>
<tbody>
<?cs each:t = Templates ?><tr><td><a href="<?cs var:Page.base ?>/templates/edit?name=<?cs var:t.name ?><?cs if:Scope.query ?>&amp;<?cs var:Scope.query ?><?cs /if ?>"><?cs var:t.name ?></a></td><td><?cs var:t.from ?></td></tr>
<?cs /each ?></tbody>
</table></div>
<?cs include:"footer.cs" ?>
