<?cs include:"header.cs" ?>
<form class="card compose" method="post" action="<?cs var:Form.action ?>" enctype="multipart/form-data">
<input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>">
<p><label for="to">To</label>
<input id="to" name="to" type="text" autocomplete="off" required value="<?cs var:Form.to ?>"></p>
<p><label for="cc">Cc</label>
<input id="cc" name="cc" type="text" autocomplete="off" value="<?cs var:Form.cc ?>"></p>
<p><label for="subject">Subject</label>
<input id="subject" name="subject" type="text" value="<?cs var:Form.subject ?>"></p>
<p><label for="body">Message</label>
<textarea id="body" name="body" rows="14"><?cs var:Form.body ?></textarea></p>
<fieldset class="files">
<legend>Attachments<?cs if:Form.max ?> (at most <?cs var:Form.max ?> in all)<?cs /if ?></legend>
<p><label for="attachment1">Attachment 1</label><input id="attachment1" name="attachment1" type="file"></p>
<p><label for="attachment2">Attachment 2</label><input id="attachment2" name="attachment2" type="file"></p>
<p><label for="attachment3">Attachment 3</label><input id="attachment3" name="attachment3" type="file"></p>
</fieldset>
<p><button type="submit">Send</button></p>
</form>
<?cs include:"footer.cs" ?>
