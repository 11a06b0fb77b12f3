</main>
<footer class="bottom"><p>Secure Webmail administration. Log out when you are done.</p></footer>
</body>
</html>
