<?cs include:"header.cs" ?>
<p class="quota">Mailbox: <?cs var:Inbox.count ?> message<?cs if:Inbox.count != 1 ?>s<?cs /if ?>, <?cs var:Inbox.unread ?> unread.
Storage used: <?cs var:Inbox.used ?> of <?cs var:Inbox.quota ?>
<meter min="0" max="100" value="<?cs var:Inbox.percent ?>" aria-label="Storage used"><?cs var:Inbox.percent ?>%</meter>
<?cs var:Inbox.percent ?>%</p>
<?cs if:Inbox.count == 0 ?>
<p class="empty">There are no messages.</p>
<?cs else ?>
<form method="post" action="<?cs var:Page.base ?>/<?cs var:Page.section ?>/delete">
<input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>">
<input type="hidden" name="p" value="<?cs var:Inbox.page ?>">
<table class="list">
<caption class="visually-hidden">Messages, newest first</caption>
<thead><tr><th scope="col"><span class="visually-hidden">Select</span></th>
<th scope="col"><?cs if:Page.section == "sent" ?>To<?cs else ?>From<?cs /if ?></th><th scope="col">Subject</th>
<th scope="col">Date</th><th scope="col">Size</th></tr></thead>
<tbody>
<?cs each:m = Inbox.msg ?>
<tr class="<?cs if:m.unread ?>unread<?cs /if ?>">
<td><input type="checkbox" name="id" value="<?cs var:m.id ?>" id="sel-<?cs var:m.id ?>" aria-label="Select message <?cs var:m.subject ?>"></td>
<td class="from"><?cs var:m.from ?></td>
<td class="subject"><a href="<?cs var:Page.base ?>/msg/<?cs var:m.id ?>"><?cs if:m.unread ?><span class="visually-hidden">Unread: </span><?cs /if ?><?cs if:m.subject ?><?cs var:m.subject ?><?cs else ?>(no subject)<?cs /if ?></a><?cs if:m.attach ?> <span class="attach" title="Has attachments">[attachment]</span><?cs /if ?><?cs if:m.trashed ?> <span class="trashed" title="Marked deleted in another mail program">[marked deleted]</span><?cs /if ?></td>
<td class="date"><?cs var:m.date ?></td>
<td class="size"><?cs var:m.size ?></td>
</tr>
<?cs /each ?>
</tbody>
</table>
<p><button type="submit">Delete selected</button></p>
</form>
<nav class="pages" aria-label="Pages">
<?cs if:Inbox.prev ?><a rel="prev" href="<?cs var:Page.base ?>/<?cs var:Page.section ?>?p=<?cs var:Inbox.prev ?>">Newer</a><?cs /if ?>
<span>Page <?cs var:Inbox.page ?> of <?cs var:Inbox.pages ?></span>
<?cs if:Inbox.next ?><a rel="next" href="<?cs var:Page.base ?>/<?cs var:Page.section ?>?p=<?cs var:Inbox.next ?>">Older</a><?cs /if ?>
</nav>
<?cs /if ?>
<?cs include:"footer.cs" ?>
