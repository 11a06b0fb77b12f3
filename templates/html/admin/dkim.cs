<?cs include:"header.cs" ?>
<?cs include:"field.cs" ?>
<form class="card" method="post" action="<?cs var:Page.base ?>/mta/dkim" id="dkim-create">
<?cs call:csrf() ?>
<h2>Key</h2>
<p><label for="selector">Selector</label><input id="selector" name="selector" type="text" value="<?cs var:Dkim.selector ?>"><small class="help">the name of the key in DNS (S in S._domainkey.domain); a new key of the same selector replaces the old one</small><?cs call:field_error("selector") ?></p>
<p><label for="domain">Domain</label><input id="domain" name="domain" type="text" value="<?cs var:Dkim.domain ?>"><small class="help">the domain the box signs for (d= of the signature), the domain of its sender addresses</small><?cs call:field_error("domain") ?></p>
<p><button type="submit" id="create-key">Create key</button></p>
</form>
<section class="card" id="dkim-record">
<h2>DNS record to publish</h2>
<?cs if:Dkim.record ?><pre id="record"><?cs var:Dkim.record ?></pre>
<p class="help">TXT value alone:</p><pre id="txt"><?cs var:Dkim.txt ?></pre>
<?cs else ?><p id="no-record">No key yet: create one above.</p><?cs /if ?>
</section>
<form class="card" method="post" action="<?cs var:Page.base ?>/mta/dkim/signing" id="dkim-signing">
<?cs call:csrf() ?>
<h2>Signing</h2>
<p id="signing-state">Signing is <?cs if:Dkim.signing == "yes" ?>on<?cs else ?>off<?cs /if ?>.<?cs call:field_error("signing") ?></p>
<?cs if:Dkim.signing == "yes" ?><input type="hidden" name="signing" value="off"><button type="submit" id="disable-signing">Turn signing off</button>
<?cs else ?><input type="hidden" name="signing" value="on"><button type="submit" id="enable-signing">Turn signing on</button><?cs /if ?>
</form>
<?cs include:"footer.cs" ?>
