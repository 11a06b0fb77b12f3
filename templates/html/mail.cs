<?cs include:"header.cs" ?>
<article class="mail">
<dl class="headers">
<dt>From</dt><dd id="mail-from"><?cs var:Msg.from ?></dd>
<dt>To</dt><dd id="mail-to"><?cs var:Msg.to ?></dd>
<?cs if:Msg.cc ?><dt>Cc</dt><dd id="mail-cc"><?cs var:Msg.cc ?></dd><?cs /if ?>
<?cs if:Msg.date ?><dt>Date</dt><dd id="mail-date"><?cs var:Msg.date ?></dd><?cs /if ?>
</dl>
<div class="actions">
<a class="button" href="<?cs var:Page.base ?>/reply/<?cs var:Msg.id ?>">Reply</a>
<a class="button" href="<?cs var:Page.base ?>/reply/<?cs var:Msg.id ?>?all=1">Reply to all</a>
<a class="button secondary" href="<?cs var:Page.base ?>/msg/<?cs var:Msg.id ?>/eml">Download (.eml)</a>
</div>
<?cs if:Msg.html ?>
<iframe class="body" title="Message text" src="<?cs var:Page.base ?>/msg/<?cs var:Msg.id ?>/body" sandbox="<?cs var:Msg.sandbox ?>" referrerpolicy="no-referrer"></iframe>
<?cs if:Msg.text ?><details class="plain"><summary>Plain text version</summary>
<pre class="body"><?cs var:Msg.text ?></pre></details><?cs /if ?>
<?cs elif:Msg.text ?>
<pre class="body"><?cs var:Msg.text ?></pre>
<?cs else ?>
<p class="empty">This message has no text.</p>
<?cs /if ?>
<?cs if:subcount(Msg.att) > 0 ?>
<section class="attachments" aria-labelledby="att-h">
<h2 id="att-h">Attachments</h2>
<ul>
<?cs each:a = Msg.att ?><li><a href="<?cs var:Page.base ?>/msg/<?cs var:Msg.id ?>/part/<?cs var:a.part ?>" download><?cs var:a.name ?></a>
<span class="meta"><?cs var:a.type ?>, <?cs var:a.size ?></span></li>
<?cs /each ?></ul>
</section>
<?cs /if ?>
</article>
<?cs include:"footer.cs" ?>
