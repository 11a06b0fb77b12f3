</main>
<footer class="bottom"><p>Your mail is kept on this server; log out when you are done.</p></footer>
</body>
</html>
