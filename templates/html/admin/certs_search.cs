<form class="card search" method="get" action="<?cs var:Page.base ?><?cs var:List.path ?>">
<p><label for="q">Search subject, issuer, email or fingerprint</label>
<input type="text" id="q" name="q" value="<?cs var:Search.q ?>"></p>
<p><button type="submit">Search</button></p>
</form>
