<?cs include:"header.cs" ?>
<form method="post" action="<?cs var:Page.base ?>/queue/flush" class="inline">
<input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>">
<button type="submit" id="flush">Flush queue</button>
</form>
<p id="queue-count"><?cs var:Queue.count ?> mail(s) in the queue<?cs if:Queue.shown ?>, the first <?cs var:Queue.shown ?> shown<?cs /if ?>.</p>
<?cs if:Queue.count > 0 ?>
<form method="post" action="<?cs var:Page.base ?>/queue/action">
<input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>">
<div class="table-wrap">
<table id="queue">
<thead><tr><th><span class="visually-hidden">Select</span></th><th>Id</th><th>Queue</th><th>Sender</th><th>Recipients</th><th class="num">Size</th><th>Age</th><th>Reason</th></tr></thead>
<tbody>
<?cs each:m = Queue.mails ?><tr data-id="<?cs var:m.id ?>" data-queue="<?cs var:m.queue ?>">
<td><input type="checkbox" name="id" value="<?cs var:m.id ?>" aria-label="Select <?cs var:m.id ?>"></td>
<td class="mono"><a href="<?cs var:Page.base ?>/queue/headers?id=<?cs var:url_escape(m.id) ?>"><?cs var:m.id ?></a></td>
<td class="queue-name"><?cs var:m.queue ?></td>
<td class="mono"><?cs var:m.sender ?></td>
<td class="mono"><?cs var:m.recipients ?></td>
<td class="num"><?cs var:m.size ?></td>
<td><?cs var:m.age ?></td>
<td class="reason"><?cs var:m.reason ?></td>
</tr>
<?cs /each ?></tbody>
</table>
</div>
<p><button type="submit" name="op" value="hold" id="hold">Hold</button>
<button type="submit" name="op" value="release" id="release">Release</button>
<button type="submit" name="op" value="delete" class="danger" id="delete">Delete selected</button></p>
</form>
<?cs /if ?>
<?cs include:"footer.cs" ?>
