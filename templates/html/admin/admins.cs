<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<div class="table-wrap">
<table id="admins">
<thead><tr><th>Name</th><th>State</th><th>Two-factor</th><th>Last login</th><th>Actions</th></tr></thead>
<tbody>
<?cs each:r = Admins.rows ?><tr data-name="<?cs var:r.name ?>">
<td><?cs var:r.name ?><?cs if:r.name == Admins.me ?> (you)<?cs /if ?></td>
<td class="state"><?cs if:r.enabled ?>enabled<?cs else ?>disabled<?cs /if ?><?cs if:r.must_change ?>, must change password<?cs /if ?></td>
<td><?cs if:r.totp ?>on<?cs else ?>off<?cs /if ?></td>
<td><?cs if:r.last_login ?><?cs var:r.last_login ?><?cs else ?>never<?cs /if ?></td>
<td>
<form class="inline" method="post" action="<?cs var:Page.base ?>/admins/<?cs if:r.enabled ?>disable<?cs else ?>enable<?cs /if ?>"><?cs call:csrf() ?><input type="hidden" name="name" value="<?cs var:r.name ?>"><button type="submit"><?cs if:r.enabled ?>Disable<?cs else ?>Enable<?cs /if ?></button></form>
<?cs if:r.totp ?><form class="inline" method="post" action="<?cs var:Page.base ?>/admins/reset-2fa"><?cs call:csrf() ?><input type="hidden" name="name" value="<?cs var:r.name ?>"><button type="submit">Reset two-factor</button></form><?cs /if ?>
<form class="inline" method="post" action="<?cs var:Page.base ?>/admins/delete"><?cs call:csrf() ?><input type="hidden" name="name" value="<?cs var:r.name ?>"><button type="submit" class="danger">Delete</button></form>
</td>
</tr>
<?cs /each ?></tbody>
</table>
</div>
<form class="card" method="post" action="<?cs var:Page.base ?>/admins/add">
<?cs call:csrf() ?>
<h2>Add an administrator</h2>
<p><label for="name">Name</label><input id="name" name="name" type="text" value="<?cs var:Form.name ?>" required><?cs call:field_error("name") ?></p>
<p><label for="password">First password (to be changed at the first login)</label><input id="password" name="password" type="password" autocomplete="new-password" required><?cs call:field_error("password") ?></p>
<p><button type="submit">Add</button></p>
</form>
<?cs include:"footer.cs" ?>
