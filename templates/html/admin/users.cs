<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<nav class="links" aria-label="Related pages"><p><a href="<?cs var:Page.base ?>/mailboxes">mailboxes</a> | <a href="<?cs var:Page.base ?>/users/cleanup">user cleanup</a></p></nav>
<form class="card search" method="get" action="<?cs var:Page.base ?>/users">
<p><label for="q">Search by part of the address</label>
<input type="text" id="q" name="q" value="<?cs var:Search.q ?>"></p>
<p><label for="filter">Show</label>
<select id="filter" name="filter">
<option value="all"<?cs if:Search.filter == "all" ?> selected<?cs /if ?>>all users</option>
<option value="password-set"<?cs if:Search.filter == "password-set" ?> selected<?cs /if ?>>password set</option>
<option value="no-password"<?cs if:Search.filter == "no-password" ?> selected<?cs /if ?>>password not set</option>
<option value="disabled"<?cs if:Search.filter == "disabled" ?> selected<?cs /if ?>>disabled</option>
</select></p>
<p><button type="submit">Search</button></p>
</form>
<form method="post" action="<?cs var:Page.base ?>/users/delete">
<?cs call:csrf() ?>
<div class="table-wrap"><table class="users">
<thead><tr><th scope="col"><span class="visually-hidden">Select</span></th><th scope="col">Email</th><th scope="col">State</th><th scope="col">Password</th><th scope="col">Last login</th></tr></thead>
<tbody>
<?cs each:u = Users ?><tr>
<td><input type="checkbox" name="sel" value="<?cs var:u.id ?>" aria-label="select <?cs var:u.address ?>">
<button type="submit" class="cross" formaction="<?cs var:Page.base ?>/users/<?cs var:u.id ?>/delete" aria-label="delete <?cs var:u.address ?>" title="delete">&#x2717;</button></td>
<td><a href="<?cs var:Page.base ?>/users/<?cs var:u.id ?>"><?cs var:u.address ?></a></td>
<td><?cs if:u.enabled == 1 ?>enabled<?cs else ?>disabled<?cs /if ?></td>
<td><?cs if:u.password == 1 ?>set<?cs else ?>not set<?cs /if ?></td>
<td><?cs var:u.last_login ?></td>
</tr>
<?cs /each ?></tbody>
</table></div>
<?cs if:subcount(Users) == 0 ?><p>No user matches.</p><?cs /if ?>
<p><button type="submit" class="danger">delete selected</button></p>
</form>
<p class="paging">
<?cs if:Paging.before ?><a rel="prev" href="<?cs var:Page.base ?>/users?q=<?cs var:url_escape(Search.q) ?>&amp;filter=<?cs var:Search.filter ?>&amp;before=<?cs var:url_escape(Paging.before) ?>">previous page</a><?cs /if ?>
<?cs if:Paging.after ?><a rel="next" href="<?cs var:Page.base ?>/users?q=<?cs var:url_escape(Search.q) ?>&amp;filter=<?cs var:Search.filter ?>&amp;after=<?cs var:url_escape(Paging.after) ?>">next page</a><?cs /if ?>
</p>
<?cs include:"footer.cs" ?>
