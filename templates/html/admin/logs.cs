<?cs include:"header.cs" ?>
<nav class="ranges" aria-label="Log"><ul>
<li><a href="<?cs var:Page.base ?>/logs?log=mail"<?cs if:Logs.log == "mail" ?> aria-current="page"<?cs /if ?>>Mail log</a></li>
<li><a href="<?cs var:Page.base ?>/logs?log=box"<?cs if:Logs.log == "box" ?> aria-current="page"<?cs /if ?>>Box log</a></li>
</ul></nav>
<form method="get" action="<?cs var:Page.base ?>/logs" class="card">
<input type="hidden" name="log" value="<?cs var:Logs.log ?>">
<p><label for="q">Text or queue id</label><input id="q" name="q" type="text" value="<?cs var:Form.q ?>"></p>
<p><button type="submit">Filter</button> <a class="button secondary" id="download" href="<?cs var:Page.base ?>/logs/download?log=<?cs var:Logs.log ?>">Download</a></p>
</form>
<pre class="card mono" id="lines"><?cs each:l = Logs.lines ?><?cs var:l ?>
<?cs /each ?></pre>
<?cs if:Logs.count == 0 ?><p>No lines.</p><?cs /if ?>
<?cs if:Logs.next ?><p><a id="older" href="<?cs var:Page.base ?>/logs?log=<?cs var:Logs.log ?>&amp;q=<?cs var:url_escape(Form.q) ?>&amp;before=<?cs var:Logs.next ?>">Older lines</a></p><?cs /if ?>
<?cs include:"footer.cs" ?>
