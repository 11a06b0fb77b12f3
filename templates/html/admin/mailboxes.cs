<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<nav class="links" aria-label="Related pages"><p><a href="<?cs var:Page.base ?>/users">users</a> | <a href="<?cs var:Page.base ?>/users/cleanup">user cleanup</a></p></nav>
<form class="card search" method="get" action="<?cs var:Page.base ?>/mailboxes">
<p><label for="q">Filter by part of the address</label>
<input type="text" id="q" name="q" value="<?cs var:Search.q ?>"></p>
<p><label class="inherit"><input type="checkbox" name="hide" value="1"<?cs if:Search.hide == 1 ?> checked<?cs /if ?>> hide active mailboxes</label></p>
<p><button type="submit">Filter</button></p>
</form>
<form method="post" action="<?cs var:Page.base ?>/mailboxes/delete">
<?cs call:csrf() ?>
<div class="table-wrap"><table class="mailboxes">
<thead><tr><th scope="col"><span class="visually-hidden">Select</span></th><th scope="col" class="num">Disk usage</th><th scope="col">Email</th><th scope="col">Mailbox</th></tr></thead>
<tbody>
<?cs each:m = Mailboxes ?><tr>
<td><input type="checkbox" name="sel" value="<?cs var:m.address ?>" aria-label="select <?cs var:m.address ?>"></td>
<td class="num"><?cs var:m.usage ?></td>
<td><?cs var:m.address ?><?cs if:m.active == 0 ?> (no user)<?cs /if ?></td>
<td class="mono"><?cs var:m.name ?></td>
</tr>
<?cs /each ?></tbody>
</table></div>
<?cs if:subcount(Mailboxes) == 0 ?><p>No mailbox matches.</p><?cs /if ?>
<p><button type="submit" class="danger">delete selected mailboxes</button></p>
</form>
<?cs if:Paging.after ?><p class="paging"><a rel="next" href="<?cs var:Page.base ?>/mailboxes?q=<?cs var:url_escape(Search.q) ?><?cs if:Search.hide == 1 ?>&amp;hide=1<?cs /if ?>&amp;after=<?cs var:url_escape(Paging.after) ?>">next page</a></p><?cs /if ?>
<?cs include:"footer.cs" ?>
