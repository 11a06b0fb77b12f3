<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<form class="card" method="post" action="<?cs var:Page.base ?>/testmail">
<?cs call:csrf() ?>
<p><label for="to">To</label><input id="to" name="to" type="text" placeholder="recipients" value="<?cs var:Query.to ?>" required><?cs call:field_error("to") ?></p>
<p><label for="cc">Cc</label><input id="cc" name="cc" type="text" placeholder="cc recipients" value="<?cs var:Query.cc ?>"><?cs call:field_error("cc") ?></p>
<p><label for="bcc">Bcc</label><input id="bcc" name="bcc" type="text" placeholder="bcc recipients" value="<?cs var:Query.bcc ?>"><?cs call:field_error("bcc") ?></p>
<p><label for="from">From</label><input id="from" name="from" type="text" placeholder="from (header)" value="<?cs var:Query.from ?>" required><?cs call:field_error("from") ?></p>
<p><label for="sender">Sender</label><input id="sender" name="sender" type="text" placeholder="envelope sender" value="<?cs var:Query.sender ?>"><?cs call:field_error("sender") ?></p>
<p><label for="subject">Subject</label><input id="subject" name="subject" type="text" placeholder="email subject" value="<?cs var:Query.subject ?>"><?cs call:field_error("subject") ?></p>
<p><label for="headers">Additional headers</label><textarea id="headers" name="headers" placeholder="name:value pairs"><?cs var:Query.headers ?></textarea><?cs call:field_error("headers") ?></p>
<p><label for="body">Body (max 4096 characters)</label><textarea id="body" name="body" maxlength="4096"><?cs var:Query.body ?></textarea><?cs call:field_error("body") ?></p>
<p><button type="submit" id="send">Send</button></p>
</form>
<?cs include:"footer.cs" ?>
