<?cs # The certificate list of Certificates, Roots, CA and Webmail certificate
     pages; Certs.N from admin_pki.c.  Inside a form posting "sel". ?>
<div class="table-wrap"><table class="certs">
<thead><tr><th scope="col"><span class="visually-hidden">Select</span></th><th scope="col">Subject</th><th scope="col">Issuer</th><th scope="col">Email</th><th scope="col">Valid</th><th scope="col">Status</th><th scope="col">Fingerprint (SHA-256)</th><th scope="col">Export</th></tr></thead>
<tbody>
<?cs each:c = Certs ?><tr id="cert-<?cs var:c.id ?>">
<td><input type="checkbox" name="sel" value="<?cs var:c.id ?>" aria-label="select certificate <?cs var:c.id ?>"></td>
<td><a href="<?cs var:Page.base ?>/certs/<?cs var:c.id ?>"><?cs var:c.subject ?></a></td>
<td><?cs var:c.issuer ?></td>
<td><?cs var:c.email ?></td>
<td><?cs var:c.not_before ?> to <?cs var:c.not_after ?></td>
<td><span class="status status-<?cs var:c.status ?>"><?cs var:c.status ?></span><br><span class="why"><?cs var:c.why ?></span></td>
<td class="mono"><?cs var:c.fingerprint ?></td>
<td><a href="<?cs var:Page.base ?>/certs/<?cs var:c.id ?>/pem">PEM</a> <a href="<?cs var:Page.base ?>/certs/<?cs var:c.id ?>/der">DER</a></td>
</tr>
<?cs /each ?></tbody>
</table></div>
<?cs if:subcount(Certs) == 0 ?><p>No certificate.</p><?cs /if ?>
