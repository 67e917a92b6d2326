// Signs a browser page in the way the dashboard does: a same-origin POST of the `login`
// mutation, which sets the HttpOnly session cookie. Returns the GraphQL answer.
export async function cookieLogin(page, serverUrl, email, password) {
  await page.goto(`${serverUrl}/healthz`);
  return page.evaluate(async ([e, p]) => {
    const res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation($e:String!,$p:String!){login(email:$e,password:$p){user{email}}}', variables: { e, p } }),
    });
    return res.json();
  }, [email, password]);
}
